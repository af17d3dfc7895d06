package dev.cohort.trainer.internal.objective;

/** Shape checks whose messages name the tensor and both shapes. */
final class Shapes {
  private Shapes() {}

  /** Throws unless x has {@code expected} elements; {@code what} says where expected came from. */
  static void requireLength(String name, int actual, int expected, String what) {
    if (actual != expected) {
      throw new IllegalArgumentException(
          name + " has " + actual + " elements, expected " + what + " = " + expected);
    }
  }

  /** Throws when a required tensor is missing. */
  static void requireNonNull(String name, Object tensor, String why) {
    if (tensor == null) {
      throw new IllegalArgumentException(name + " is null, " + why);
    }
  }

  /** b * T, with an IllegalArgumentException instead of an int overflow. */
  static int tokens(int samples, int tokensPerSample) {
    if (samples < 1 || tokensPerSample < 1) {
      throw new IllegalArgumentException(
          "shape b*T = " + samples + "*" + tokensPerSample + ", expected b >= 1 and T >= 1");
    }
    try {
      return Math.multiplyExact(samples, tokensPerSample);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "shape b*T = " + samples + "*" + tokensPerSample + " overflows an array index", e);
    }
  }
}
