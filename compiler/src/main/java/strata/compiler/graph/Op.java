package strata.compiler.graph;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One operation of the graph dialect. Every op has exactly one result; a graph's outputs are
 * listed by the graph itself, a region's by its yield.
 */
public record Op(Value result, OpKind kind, List<Value> operands, Map<String, Attr> attrs, List<Region> regions) {

    public Op {
        operands = List.copyOf(operands);
        attrs = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(attrs));
        regions = List.copyOf(regions);
    }

    public TensorType type() { return result.type(); }

    public Optional<Region> region(String role) {
        return regions.stream().filter(r -> r.role().equals(role)).findFirst();
    }

    public long intAttr(String name) {
        if (attrs.get(name) instanceof Attr.Int i) return i.value();
        throw new IllegalStateException(kind + " has no integer attribute " + name);
    }

    public long intAttr(String name, long dflt) {
        return attrs.get(name) instanceof Attr.Int i ? i.value() : dflt;
    }

    public double floatAttr(String name, double dflt) {
        Attr a = attrs.get(name);
        if (a instanceof Attr.Float f) return f.value();
        if (a instanceof Attr.Int i) return i.value();
        return dflt;
    }

    public boolean boolAttr(String name, boolean dflt) {
        return attrs.get(name) instanceof Attr.Bool b ? b.value() : dflt;
    }

    public String strAttr(String name, String dflt) {
        return attrs.get(name) instanceof Attr.Str s ? s.value() : dflt;
    }

    public List<Long> intsAttr(String name) {
        if (attrs.get(name) instanceof Attr.Ints l) return l.values();
        throw new IllegalStateException(kind + " has no integer-list attribute " + name);
    }

    public Dim dimAttr(String name) {
        Attr a = attrs.get(name);
        if (a instanceof Attr.DimAttr d) return d.value();
        if (a instanceof Attr.Int i) return Dim.of(i.value());
        throw new IllegalStateException(kind + " has no dimension attribute " + name);
    }
}
