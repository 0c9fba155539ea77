package strata.compiler.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import strata.compiler.graph.DType;

class RefTensorTest {
    @Test
    void elementsAreRowMajor() {
        RefTensor t = RefTensor.of(new long[] {2, 3}, 0, 1, 2, 10, 11, 12);
        assertEquals(12.0, t.get(1, 2));
        assertEquals(1.0, t.get(0, 1));
        assertEquals(10.0, t.reshape(3, 2).get(1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
        assertThrows(IllegalArgumentException.class, () -> RefTensor.of(new long[] {2, 2}, 1, 2, 3));
    }

    @Test
    void factoriesFillAndHoldScalars() {
        assertArrayEquals(new double[] {0, 0, 0, 0}, RefTensor.zeros(DType.F32, 2, 2).toArray());
        RefTensor s = RefTensor.scalar(DType.I64, 7);
        assertEquals(0, s.rank());
        assertEquals(7.0, s.get());
        assertEquals(7.0, s.item());
    }

    @Test
    void theTensorCannotBeChangedThroughWhatItWasMadeFromOrGives() {
        double[] values = {1, 2};
        long[] shape = {2};
        RefTensor t = RefTensor.of(shape, values);
        values[0] = 9;
        shape[0] = 1;
        t.toArray()[1] = 9;
        t.shape()[0] = 5;
        assertArrayEquals(new double[] {1, 2}, t.toArray());
        assertArrayEquals(new long[] {2}, t.shape());
    }

    @Test
    void equalsWithinIsAllcloseWithTheArgumentAsReference() {
        RefTensor a = RefTensor.vector(1.0, 100.0, Double.NaN), b = RefTensor.vector(1.0 + 1e-9, 100.0 + 1e-6, Double.NaN);
        assertTrue(a.equalsWithin(b, 1e-8, 1e-7));
        assertFalse(a.equalsWithin(b, 1e-10, 1e-10));
        assertFalse(a.equalsWithin(RefTensor.vector(1, 100), 1, 1), "shapes must match");
        assertFalse(RefTensor.vector(Double.POSITIVE_INFINITY).equalsWithin(RefTensor.vector(Double.NEGATIVE_INFINITY), 1, 1));
    }

    @Test
    void toStringNestsBrackets() {
        assertEquals("f32[2, 2] [[1.0, 2.0], [3.0, 4.0]]", RefTensor.of(new long[] {2, 2}, 1, 2, 3, 4).toString());
        assertEquals("bool[2] [true, false]", RefTensor.of(DType.BOOL, new long[] {2}, 1, 0).toString());
        assertEquals("i64[] 3", RefTensor.scalar(DType.I64, 3).toString());
        assertTrue(RefTensor.zeros(DType.F32, 100).toString().endsWith("...]"));
    }
}
