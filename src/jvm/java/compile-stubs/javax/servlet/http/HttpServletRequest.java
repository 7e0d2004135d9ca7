package javax.servlet.http;

/** Compile-only stand-in for the servlet API's request type (see ../../../README.md). */
public interface HttpServletRequest {
}
