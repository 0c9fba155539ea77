package strata.grammar;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import strata.grammar.ast.Decl;
import strata.grammar.ast.SourceFile;

/**
 * Reads a Strata file and, transitively, the files it imports. {@code import gpt2} looks for
 * {@code gpt2.strata} beside the importing file, then in the model library on the classpath
 * ({@code strata/models/}); {@code import "path.strata"} is relative to the importing file.
 * Cycles and duplicate definitions are errors.
 */
public final class ProgramLoader {
    private final Diagnostics diagnostics;
    private final SourceFiles sources;
    private final Map<String, SourceFile> loaded = new LinkedHashMap<>();
    private final List<String> stack = new ArrayList<>();
    private final Map<String, Decl> decls = new LinkedHashMap<>();

    public ProgramLoader(Diagnostics diagnostics, SourceFiles sources) {
        this.diagnostics = diagnostics;
        this.sources = sources;
    }

    /** Loads a file from disk; a missing file is a diagnostic at the file itself. */
    public Program load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            diagnostics.error(new Span(file.toString(), 0, 0, 0, 0), "cannot read " + file + ": " + e.getMessage());
            return new Program(new SourceFile(file.toString(), List.of(), List.of()), List.of(), Map.of());
        }
        return loadText(file.toString(), text);
    }

    /** Loads source text as if it were a file of that name (imports resolve beside it). */
    public Program loadText(String name, String text) {
        SourceFile main = parseAndFollow(name, text);
        return new Program(main, List.copyOf(loaded.values()), Map.copyOf(decls));
    }

    private SourceFile parseAndFollow(String name, String text) {
        sources.put(name, text);
        SourceFile f = SourceParser.parse(name, text, diagnostics);
        loaded.put(key(name), f);
        stack.add(key(name));
        for (SourceFile.Import imp : f.imports()) follow(name, imp);
        stack.removeLast();
        for (Decl d : f.decls()) {
            Decl prev = decls.putIfAbsent(d.name(), d);
            if (prev != null && prev != d)
                diagnostics.error(d.span(), "`" + d.name() + "` is defined twice; the other definition is at " + prev.span(),
                        "rename one of them");
        }
        return f;
    }

    private void follow(String from, SourceFile.Import imp) {
        String target = imp.isPath() ? imp.target() : imp.target().replace('.', '/') + ".strata";
        Path beside = Path.of(from).toAbsolutePath().getParent();
        Path candidate = beside == null ? Path.of(target) : beside.resolve(target);
        String text = null, name = null;
        if (Files.isRegularFile(candidate)) {
            name = relative(candidate);
            try {
                text = Files.readString(candidate, StandardCharsets.UTF_8);
            } catch (IOException e) {
                diagnostics.error(imp.span(), "cannot read " + candidate + ": " + e.getMessage());
                return;
            }
        } else if (!imp.isPath()) {
            try (InputStream in = ProgramLoader.class.getClassLoader().getResourceAsStream("strata/models/" + target)) {
                if (in != null) {
                    name = "<library>/" + target;
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                text = null;
            }
        }
        if (text == null) {
            diagnostics.error(imp.span(), "cannot find `" + imp.target() + "` (looked for " + candidate + " and the model library)",
                    "check the name, or import a file by its path: import \"dir/file.strata\"");
            return;
        }
        String k = key(name);
        if (stack.contains(k)) {
            List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(k), stack.size()));
            cycle.add(k);
            diagnostics.error(imp.span(), "cyclic import: " + String.join(" -> ", cycle.stream().map(ProgramLoader::shortName).toList()),
                    "move what both files need into a third file that both import");
            return;
        }
        if (loaded.containsKey(k)) return;
        parseAndFollow(name, text);
    }

    private static String key(String name) {
        if (name.startsWith("<")) return name;
        return Path.of(name).toAbsolutePath().normalize().toString();
    }

    private static String shortName(String k) {
        return k.startsWith("<") ? k : Path.of(k).getFileName().toString();
    }

    private static String relative(Path p) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }
}
