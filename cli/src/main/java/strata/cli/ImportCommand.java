package strata.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import strata.compiler.front.Elaborator;
import strata.compiler.graph.Op;
import strata.grammar.Diagnostics;
import strata.grammar.ast.Decl;
import strata.grammar.ast.Member;
import strata.runtime.Tensor;
import strata.runtime.checkpoint.Checkpoint;
import strata.runtime.checkpoint.Safetensors;
import strata.runtime.checkpoint.hf.HfFamily;
import strata.runtime.checkpoint.hf.HfMapping;
import strata.runtime.checkpoint.hf.HfMappingException;
import strata.runtime.text.TokenizerJson;
import strata.runtime.train.TrainCheckpoint;

/**
 * {@code strata import FILE.safetensors --model FILE --preset P --out DIR}: reads Hugging Face GPT-2
 * or BERT weights into a run directory whose checkpoint.safetensors holds them under the Strata
 * model's parameter names, for {@code strata generate} and {@code strata train --init}. It holds
 * weights only: no optimizer state, so the run cannot be resumed, only started from.
 */
@Command(name = "import", description = "Read Hugging Face GPT-2 or BERT weights (safetensors) into a run directory (weights only, no optimizer state).")
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.safetensors") Path file;
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "the Strata model file, e.g. models/gpt2.strata") Path modelFile;
    @Option(names = "--name", description = "which model of the file (default: its last)") String modelName;
    @Option(names = "--preset") String preset;
    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a hyperparameter") List<String> sets = new ArrayList<>();
    @Option(names = "--format", description = "hf-gpt2 or hf-bert (default: recognised from the tensor names)") String format;
    @Option(names = "--tokenizer", paramLabel = "tokenizer.json", description = "a tokenizer to put in the run directory, for strata generate") Path tokenizer;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the run directory to write") Path out;

    @Override public Integer call() throws Exception {
        Frontend fe = new Frontend();
        if (fe.load(modelFile, System.err) == null) return 1;
        Elaborator.Result r = fe.elaborate(modelName, preset, Sets.parse(sets), System.err); // the forward alone: a bare encoder has no loss
        if (r == null) return 1;
        if (Files.exists(out.resolve(TrainCheckpoint.FILE))) {
            System.err.println("strata import: " + out + " already holds a run; choose another --out");
            return 1;
        }
        try (Arena arena = Arena.ofShared()) {
            Checkpoint hf = Safetensors.read(file, arena, Safetensors.Load.COPIED);
            HfFamily family = format != null ? HfFamily.byFormat(format) : HfFamily.detect(hf.tensors().keySet());
            if (family == null) {
                System.err.println("strata import: " + (format != null ? "unknown --format `" + format + "`; use hf-gpt2 or hf-bert"
                        : file + " holds neither GPT-2 (wte.weight) nor BERT (embeddings.word_embeddings.weight) weights; name the layout with --format"));
                return 1;
            }
            Map<String, Tensor> params;
            try {
                params = HfMapping.toStrata(family, hf, shapes(r), arena);
            } catch (HfMappingException e) {
                System.err.println("strata import: " + file + " as " + r.model() + (r.preset() == null ? "" : " --preset " + r.preset()) + ": " + e.getMessage());
                List<String> fit = presetsThatFit(fe, r.model(), family, hf);
                if (!fit.isEmpty()) System.err.println("these presets of " + r.model() + " fit the file: " + String.join(", ", fit.stream().map(p -> "--preset " + p).toList()));
                return 1;
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("strata.model_file", modelFile.toAbsolutePath().normalize().toString());
            meta.put("strata.source_sha256", TrainCommand.sha256(Files.readString(modelFile)));
            meta.put("strata.model", r.model());
            if (r.preset() != null) meta.put("strata.preset", r.preset());
            meta.put("strata.sets", String.join(";", sets));
            meta.put("strata.step", "0");
            meta.put("strata.imported_from", file.toAbsolutePath().normalize().toString());
            meta.put("strata.imported_format", family.format);
            Files.createDirectories(out);
            if (tokenizer != null) TokenizerJson.save(TokenizerJson.load(tokenizer), out.resolve("tokenizer.json"));
            Safetensors.write(out.resolve(TrainCheckpoint.FILE), params, meta);
            System.out.printf("imported %d tensors (%,d parameters) from %s as %s into %s%n", params.size(),
                    params.values().stream().mapToLong(Tensor::numel).sum(), file, family.format, out.resolve(TrainCheckpoint.FILE));
        } catch (IOException e) {
            System.err.println("strata import: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private static Map<String, long[]> shapes(Elaborator.Result r) {
        Map<String, long[]> model = new LinkedHashMap<>();
        for (Op p : r.graph().params()) model.putIfAbsent(p.strAttr("name", ""), p.type().concreteShape(Map.of()));
        return model;
    }

    /** The presets declared in the model's file (with the user's --set applied) whose parameters the file fits. */
    private List<String> presetsThatFit(Frontend fe, String model, HfFamily family, Checkpoint hf) {
        List<String> names = new ArrayList<>();
        for (Decl d : fe.program.decls().values())
            if (d instanceof Decl.Component c && c.isModel())
                for (Member m : c.members()) if (m instanceof Member.Preset p && !names.contains(p.name())) names.add(p.name());
        List<String> fit = new ArrayList<>();
        for (String p : names) {
            Diagnostics quiet = new Diagnostics();
            Elaborator.Result r = new Elaborator(fe.program, quiet).elaborate(model, p, Sets.parse(sets));
            if (r != null && !quiet.hasErrors() && HfMapping.fits(family, hf, shapes(r))) fit.add(p);
        }
        return fit;
    }
}
