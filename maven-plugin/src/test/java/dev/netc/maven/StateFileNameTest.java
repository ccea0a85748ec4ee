package dev.netc.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StateFileNameTest {
  @Test
  void eachExecutionKeepsItsOwnState() {
    assertEquals("generate.txt", AbstractNetcMojo.stateFileName("generate", "default"));
    assertEquals("generate.txt", AbstractNetcMojo.stateFileName("generate", null));
    assertEquals("generate-test.txt", AbstractNetcMojo.stateFileName("generate-test", "default"));
    assertEquals("generate-netc-float.txt", AbstractNetcMojo.stateFileName("generate", "netc-float"));
    assertEquals("generate-default-cli.txt", AbstractNetcMojo.stateFileName("generate", "default-cli"));
    assertEquals("generate-a_b.txt", AbstractNetcMojo.stateFileName("generate", "a/b"));
  }
}
