package io.sparktune.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktune.BadInputException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4jBackend;

class DeviceBindingTest {
  @Test
  void addressIsTheCudaOrdinalWhenAllDevicesAreVisible() {
    assertEquals(0, DeviceBinding.ordinal("0", null, 2));
    assertEquals(1, DeviceBinding.ordinal(" 1 ", "", 2));
  }

  @Test
  void visibleDevicesRenumberFromZero() {
    assertEquals(1, DeviceBinding.ordinal("3", "2,3", 2));
    assertEquals(0, DeviceBinding.ordinal("2", "2, 3", 2));
  }

  @Test
  void addressesTheExecutorCannotUseAreRefusedByName() {
    BadInputException hidden = assertThrows(BadInputException.class, () -> DeviceBinding.ordinal("1", "2,3", 2));
    assertTrue(hidden.getMessage().contains("CUDA_VISIBLE_DEVICES=2,3"), hidden.getMessage());
    BadInputException tooHigh = assertThrows(BadInputException.class, () -> DeviceBinding.ordinal("2", null, 2));
    assertTrue(tooHigh.getMessage().contains("ND4J sees 2 device(s)"), tooHigh.getMessage());
    BadInputException uuid = assertThrows(BadInputException.class, () -> DeviceBinding.ordinal("GPU-8f2a", null, 2));
    assertTrue(uuid.getMessage().contains("numeric GPU indices"), uuid.getMessage());
  }

  @Test
  void onlyBackendStartFailuresAreExplained() {
    Throwable noBackend = new RuntimeException(new Nd4jBackend.NoAvailableBackendException("none"));
    String why = ComputeBackend.startFailure(noBackend).orElseThrow();
    assertTrue(why.startsWith("ND4J's CPU backend (nd4j-native) cannot start"), why); // the CPU build runs the tests
    assertTrue(ComputeBackend.startFailure(new IllegalStateException("something else")).isEmpty());
  }

  @Test
  void theCpuBuildStartsAndReportsItsCores() {
    assertEquals("CPU", ComputeBackend.require("test"));
    assertTrue(ComputeBackend.devices().get(0).startsWith("cpu ("), ComputeBackend.devices().toString());
  }

  @Test
  void gpusWithoutKernelsInTheCudaBuildAreKnown() {
    assertTrue(ComputeBackend.supportedComputeCapability(8, 0)); // A100
    assertTrue(ComputeBackend.supportedComputeCapability(8, 9)); // L4 runs the sm_86 code
    assertFalse(ComputeBackend.supportedComputeCapability(9, 0)); // H100, H200
    assertFalse(ComputeBackend.supportedComputeCapability(3, 5));
  }
}
