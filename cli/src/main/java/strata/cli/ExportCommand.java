package strata.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import strata.runtime.Tensor;
import strata.runtime.checkpoint.Checkpoint;
import strata.runtime.checkpoint.Safetensors;
import strata.runtime.checkpoint.hf.HfFamily;
import strata.runtime.checkpoint.hf.HfMapping;
import strata.runtime.checkpoint.hf.HfMappingException;
import strata.runtime.train.TrainCheckpoint;

/**
 * {@code strata export --checkpoint DIR --format hf-gpt2 --out FILE.safetensors}: writes a run's
 * weights under the names and layouts Hugging Face's transformers uses, leaving the optimizer state
 * behind. The metadata says {@code format: pt}, which transformers' from_pretrained asks of a
 * safetensors file.
 */
@Command(name = "export", description = "Write a run's weights as a Hugging Face GPT-2 or BERT safetensors file.")
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "a run directory (strata train or strata import)") Path dir;
    @Option(names = "--format", required = true, description = "hf-gpt2 or hf-bert") String format;
    @Option(names = "--out", required = true, paramLabel = "FILE.safetensors") Path out;

    @Override public Integer call() throws Exception {
        HfFamily family = HfFamily.byFormat(format);
        if (family == null) {
            System.err.println("strata export: unknown --format `" + format + "`; use hf-gpt2 or hf-bert");
            return 1;
        }
        try (Arena arena = Arena.ofShared()) {
            Checkpoint ck = TrainCheckpoint.read(dir, arena);
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (var e : ck.tensors().entrySet()) if (!e.getKey().startsWith("optimizer.")) params.put(e.getKey(), e.getValue());
            Map<String, Tensor> hf;
            try {
                hf = HfMapping.toHf(family, params, arena);
            } catch (HfMappingException e) {
                System.err.println("strata export: " + dir.resolve(TrainCheckpoint.FILE) + ": " + e.getMessage());
                return 1;
            }
            Safetensors.write(out, hf, Map.of("format", "pt"));
            System.out.printf("exported %d tensors (%,d parameters) as %s to %s%n", hf.size(), hf.values().stream().mapToLong(Tensor::numel).sum(), family.format, out);
        } catch (IOException e) {
            System.err.println("strata export: " + e.getMessage());
            return 1;
        }
        return 0;
    }
}
