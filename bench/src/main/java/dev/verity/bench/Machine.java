package dev.verity.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What the figures were taken on, and how busy it was: this machine is shared and noisy. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                    .findFirst().map(line -> line.substring(line.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException e) {
            // Not Linux: the CPU is simply not named.
        }
        return String.format(Locale.ROOT, "%d cores (%s), %d MB RAM, Java %s, %s", Runtime.getRuntime().availableProcessors(),
                cpu, totalMemoryMb(), System.getProperty("java.version"), System.getProperty("os.name"));
    }

    /** The one-minute load average now, for the machine column of each row. */
    static String load() {
        try {
            String loadavg = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
            return Runtime.getRuntime().availableProcessors() + " cores, load " + loadavg;
        } catch (IOException e) {
            return Runtime.getRuntime().availableProcessors() + " cores";
        }
    }

    /** The 1, 5 and 15 minute load averages, for the report's header. */
    static String loadAverages() {
        try {
            String[] loadavg = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return loadavg[0] + " / " + loadavg[1] + " / " + loadavg[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static long totalMemoryMb() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(line -> line.startsWith("MemTotal"))
                    .findFirst().map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024).orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * CPU seconds (user + system) a process and its direct children have used, from
     * /proc/<pid>/stat: unlike latency, barely disturbed by other work on a shared machine.
     */
    static double cpuSeconds(long pid) {
        double seconds = ownCpuSeconds(pid);
        try {
            String children = Files.readString(Path.of("/proc/" + pid + "/task/" + pid + "/children")).trim();
            for (String child : children.isEmpty() ? new String[0] : children.split(" ")) {
                seconds += ownCpuSeconds(Long.parseLong(child));
            }
        } catch (IOException e) {
            // No children listed: the process's own time is all there is.
        }
        return seconds;
    }

    private static double ownCpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After the command name: state is field 3, utime 14 and stime 15 (1-based, proc(5)).
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS). */
    static double rssMb(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(line -> line.startsWith("VmRSS"))
                    .findFirst().map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0).orElse(Double.NaN);
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /**
     * A full GC in the JVM {@code pid} ({@code jcmd <pid> GC.run}, the bench's own JDK), so that the
     * heap in use afterwards is what is live; false when jcmd could not do it.
     */
    static boolean fullGc(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
