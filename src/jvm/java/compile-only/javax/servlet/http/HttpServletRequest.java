package javax.servlet.http;

/** Compile-only stand-in (see ../../../README.md). */
public interface HttpServletRequest {
}
