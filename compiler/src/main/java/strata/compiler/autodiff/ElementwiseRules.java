package strata.compiler.autodiff;

import java.util.function.Predicate;
import strata.compiler.graph.DType;
import strata.compiler.graph.Op;
import strata.compiler.graph.OpKind;
import strata.compiler.graph.Value;

/**
 * Gradient rules of the elementwise ops. Each operand's adjoint is summed back over the axes its
 * operand was broadcast along ({@link AdjointBuilder#sumTo}). Where the derivative is not
 * defined, the rules choose: {@code abs} has derivative 0 at 0; {@code max} and {@code min} split
 * the adjoint evenly between operands that tie (as PyTorch's maximum/minimum do).
 */
final class ElementwiseRules {
    private ElementwiseRules() {}

    static void adjoints(Op op, Value dy, Predicate<Value> needs, AdjointBuilder b, Value[] d) {
        Value x = op.operands().getFirst(), y = op.result();
        switch (op.kind()) {
            case NEG -> d[0] = b.neg(dy);
            case EXP -> d[0] = b.mul(dy, y);                                       // e^x
            case LOG -> d[0] = b.div(dy, x);                                       // 1/x
            case SQRT -> d[0] = b.div(dy, b.scale(y, 2.0));                        // 1/(2 sqrt x)
            case RSQRT -> d[0] = b.mul(dy, b.scale(b.mul(y, b.mul(y, y)), -0.5));  // -x^(-3/2)/2 = -y^3/2
            case TANH -> d[0] = b.mul(dy, b.sub(b.scalar(1.0, y), b.mul(y, y)));  // 1 - tanh^2
            case SIN -> d[0] = b.mul(dy, b.op(OpKind.COS, x));
            case COS -> d[0] = b.neg(b.mul(dy, b.op(OpKind.SIN, x)));
            // erf'(x) = 2/sqrt(pi) e^(-x^2) (Abramowitz and Stegun 7.1.19)
            case ERF -> d[0] = b.mul(dy, b.scale(b.op(OpKind.EXP, b.neg(b.mul(x, x))), 2.0 / Math.sqrt(Math.PI)));
            case SIGMOID -> d[0] = b.mul(dy, b.mul(y, b.sub(b.scalar(1.0, y), y))); // s (1 - s)
            case ABS -> d[0] = b.mul(dy, sign(x, b));
            case RECIP -> d[0] = b.neg(b.mul(dy, b.mul(y, y)));                   // -1/x^2
            // a cast between floats passes the adjoint back in the operand's type (straight through
            // the rounding, whose derivative is 0 almost everywhere and useless); to or from an
            // integer or bool there is no derivative, and such values are never on a path
            case CAST -> d[0] = x.type().dtype().isFloat() ? b.declared(OpKind.CAST, dy, x.type()) : null;
            case NOT -> { }
            case ADD -> {
                if (needs.test(x)) d[0] = b.sumTo(dy, x.type());
                if (needs.test(op.operands().get(1))) d[1] = b.sumTo(dy, op.operands().get(1).type());
            }
            case SUB -> {
                if (needs.test(x)) d[0] = b.sumTo(dy, x.type());
                if (needs.test(op.operands().get(1))) d[1] = b.sumTo(b.neg(dy), op.operands().get(1).type());
            }
            case MUL -> {
                Value z = op.operands().get(1);
                if (needs.test(x)) d[0] = b.sumTo(b.mul(dy, z), x.type());
                if (needs.test(z)) d[1] = b.sumTo(b.mul(dy, x), z.type());
            }
            case DIV -> {
                Value z = op.operands().get(1);
                if (needs.test(x)) d[0] = b.sumTo(b.div(dy, z), x.type());
                if (needs.test(z)) d[1] = b.sumTo(b.neg(b.div(b.mul(dy, y), z)), z.type()); // -x/z^2 = -y/z
            }
            case MAX, MIN -> {
                Value z = op.operands().get(1);
                // x wins where it is strictly better; a tie gives each half
                Value better = b.op(op.kind() == OpKind.MAX ? OpKind.GT : OpKind.LT, x, z);
                Value tie = b.op(OpKind.EQ, x, z);
                Value wx = b.select(better, b.scalar(1.0, x), b.select(tie, b.scalar(0.5, x), b.scalar(0.0, x)));
                if (needs.test(x)) d[0] = b.sumTo(b.mul(dy, wx), x.type());
                if (needs.test(z)) d[1] = b.sumTo(b.mul(dy, b.sub(b.scalar(1.0, x), wx)), z.type());
            }
            case POW -> {
                Value e = op.operands().get(1);
                // d(x^e)/dx = e x^(e-1); d(x^e)/de = x^e ln x
                if (needs.test(x)) d[0] = b.sumTo(b.mul(dy, b.mul(e, b.op(OpKind.POW, x, b.sub(e, b.scalar(1.0, e))))), x.type());
                if (needs.test(e)) d[1] = b.sumTo(b.mul(dy, b.mul(y, b.op(OpKind.LOG, x))), e.type());
            }
            case MOD -> {
                Value z = op.operands().get(1);
                // x mod z = x - z floor(x/z): d/dx = 1, d/dz = -floor(x/z) = -(x - y)/z
                if (needs.test(x)) d[0] = b.sumTo(dy, x.type());
                if (needs.test(z)) d[1] = b.sumTo(b.neg(b.mul(dy, b.div(b.sub(x, y), z))), z.type());
            }
            case SELECT -> {
                Value c = x, t = op.operands().get(1), f = op.operands().get(2);
                if (needs.test(t)) d[1] = b.sumTo(b.where(c, dy), t.type());
                if (needs.test(f)) d[2] = b.sumTo(b.select(c, b.scalar(0.0, dy), dy), f.type());
            }
            default -> throw new IllegalStateException(op.kind() + " is not elementwise");
        }
    }

    /** sign(x), with sign(0) = 0. */
    static Value sign(Value x, AdjointBuilder b) {
        DType t = x.type().dtype();
        Value zero = b.scalar(0.0, t);
        return b.select(b.op(OpKind.GT, x, zero), b.scalar(1.0, t), b.select(b.op(OpKind.LT, x, zero), b.scalar(-1.0, t), zero));
    }
}
