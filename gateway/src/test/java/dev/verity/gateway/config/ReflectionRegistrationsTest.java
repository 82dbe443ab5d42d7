package dev.verity.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.annotations.RegisterForReflection;
import org.junit.jupiter.api.Test;

/** The gateway's own registrations by name (package-private types) must name classes that exist. */
class ReflectionRegistrationsTest {

    @Test
    void registeredClassNamesExist() {
        for (String name : ReflectionRegistrations.class.getAnnotation(RegisterForReflection.class).classNames()) {
            assertThat(exists(name)).as(name).isTrue();
        }
    }

    private static boolean exists(String name) {
        try {
            Class.forName(name, false, ReflectionRegistrationsTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
