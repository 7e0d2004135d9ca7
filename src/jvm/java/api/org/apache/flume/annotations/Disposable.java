package org.apache.flume.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Marks a component class whose instances are thrown away on reconfiguration. */
@Target({ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
public @interface Disposable {
}
