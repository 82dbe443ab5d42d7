package dev.verity.bench;

/** One of the scenarios: measures Verity and its baseline in the same run, adds rows. */
interface Scenario {

    String id();

    void run(BenchRun run) throws Exception;
}
