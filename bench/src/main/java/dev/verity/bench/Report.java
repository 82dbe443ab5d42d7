package dev.verity.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** {@code latest.md}: the table the issue asks for, with what it was measured on and how. */
final class Report {

    private Report() {
    }

    static Path write(Path out, Profile profile, String machine, Instant started, Duration took, List<Row> rows,
                      List<String> notes) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Verity bench — ").append(profile.name()).append(" profile\n\n");
        md.append("- measured: ").append(started.truncatedTo(ChronoUnit.SECONDS)).append(", took ")
                .append(took.toSeconds()).append(" s\n");
        md.append("- machine: ").append(machine).append(" (shared with other work: the machine column gives the load ")
                .append("average when each row was taken)\n");
        md.append("- provider stand-in latency: ").append(profile.providerLatencyMs()).append(" ms; ")
                .append(profile.repetitions()).append(" repetition(s) of ").append(profile.measure().toSeconds())
                .append(" s after ").append(profile.warmUp().toMillis()).append(" ms warm-up per target and rate\n");
        ProviderStandIn.StreamPacing pacing = profile.p8Pacing();
        md.append("- P8 streams: ").append(profile.p8Streams()).append(" concurrent clients, closed loop (each opens its next ")
                .append("stream when its last one ended, so that many are always in flight); the stand-in streams the first ")
                .append("chunk after ").append(pacing.firstChunkMs()).append(" ms, then ").append(pacing.chunks() - 1)
                .append(" more content chunks ").append(pacing.intervalMs()).append(" ms apart, then finish, usage and ")
                .append("`data: [DONE]`; time to first token = send → first chunk with content, per stream\n");
        md.append("- cells: median over repetitions, (min–max) when more than one; latencies from each request's ")
                .append("intended send time (constant rate, coordinated omission corrected); ratio = Verity median / baseline median; ")
                .append("added = Verity − baseline per repetition\n");
        notes.forEach(note -> md.append("- ").append(note).append('\n'));
        md.append("\n| scenario | baseline | baseline value | Verity | ratio | added | target | verdict | reps | machine |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            md.append("| ").append(String.join(" | ", row.scenario(), row.baselineName(), row.baseline(), row.verity(),
                    row.ratio(), row.added(), row.target(), row.verdict(), row.reps(), row.machine())).append(" |\n");
        }
        Files.createDirectories(out);
        Path file = out.resolve("latest.md");
        Files.writeString(file, md);
        return file;
    }
}
