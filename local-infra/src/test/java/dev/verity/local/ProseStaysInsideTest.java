package dev.verity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A fresh clone explains itself: the repository's Markdown (README.md, docs/, bench/, deploy/)
 * links only to files that are in the repository, names no document that lives elsewhere (the
 * old design brief) and no issue number a reader cannot follow.
 */
class ProseStaysInsideTest {

    private static final Pattern MARKDOWN_LINK = Pattern.compile("\\]\\(([^)\\s]+)[^)]*\\)");
    private static final Pattern CODE_PATH = Pattern.compile("`(\\.\\./[^`]*)`");
    private static final Pattern DESIGN_BRIEF = Pattern.compile("\\bDESIGN(\\.md|\\s*§|\\s+sections?\\b)");
    private static final Pattern ISSUE_NUMBER = Pattern.compile("(?i)\\bissues?\\s*#?\\s*\\d+|(?<![\\w&/#])#\\d+\\b");

    /** What in this Markdown file, at {@code file} inside {@code root}, points outside the repository. */
    static List<String> outsideReferences(Path root, Path file, String text) {
        List<String> found = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String where = root.relativize(file) + ":" + (i + 1) + ": ";
            Matcher link = MARKDOWN_LINK.matcher(line);
            while (link.find()) {
                String target = link.group(1);
                if (target.matches("(?i)[a-z][a-z0-9+.-]*:.*") || target.startsWith("#")) {
                    continue; // a web address or an anchor in the same file
                }
                Path resolved = file.getParent().resolve(target.replaceAll("#.*", "")).normalize();
                if (!resolved.startsWith(root)) {
                    found.add(where + "link outside the repository: " + target);
                } else if (!Files.exists(resolved)) {
                    found.add(where + "link to a file the repository does not have: " + target);
                }
            }
            Matcher path = CODE_PATH.matcher(line);
            while (path.find()) {
                if (!file.getParent().resolve(path.group(1)).normalize().startsWith(root)) {
                    found.add(where + "path outside the repository: " + path.group(1));
                }
            }
            Matcher brief = DESIGN_BRIEF.matcher(line);
            if (brief.find()) {
                found.add(where + "reference to a design brief outside the repository: " + brief.group());
            }
            Matcher issue = ISSUE_NUMBER.matcher(line);
            if (issue.find()) {
                found.add(where + "issue number: " + issue.group());
            }
        }
        return found;
    }

    private static List<Path> prose(Path root) throws IOException {
        List<Path> files = new ArrayList<>(List.of(root.resolve("README.md")));
        for (String dir : List.of("docs", "bench", "deploy")) {
            if (Files.isDirectory(root.resolve(dir))) {
                try (Stream<Path> walk = Files.walk(root.resolve(dir))) {
                    walk.filter(p -> p.toString().endsWith(".md"))
                            .filter(p -> !root.relativize(p).toString().contains("target/"))
                            .forEach(files::add);
                }
            }
        }
        return files;
    }

    @Test
    void theRepositorysProseStaysInsideTheRepository() throws IOException {
        Path root = ServiceProcess.repoRoot();
        List<Path> files = prose(root);
        assertThat(files).contains(root.resolve("README.md"), root.resolve("bench/README.md"),
                root.resolve("deploy/k8s/README.md"));
        List<String> found = new ArrayList<>();
        for (Path file : files) {
            found.addAll(outsideReferences(root, file, Files.readString(file)));
        }
        assertThat(found).isEmpty();
    }

    @Test
    void eachKindOfOutsideReferenceIsCaught() {
        Path root = Path.of("/repo");
        Path readme = root.resolve("bench/README.md");

        assertThat(outsideReferences(root, readme, "see [the brief](../../shared/DESIGN.md)"))
                .anyMatch(f -> f.contains("link outside the repository"));
        assertThat(outsideReferences(root, readme, "is the design brief, `../../shared/notes`"))
                .anyMatch(f -> f.contains("path outside the repository"));
        assertThat(outsideReferences(root, readme, "shapes as in DESIGN §12")).hasSize(1);
        assertThat(outsideReferences(root, readme, "named in DESIGN.md")).hasSize(1);
        assertThat(outsideReferences(root, readme, "Issue #10. Performance")).hasSize(1);
        assertThat(outsideReferences(root, readme, "before it is complete (issue 12)")).hasSize(1);
        assertThat(outsideReferences(root, readme, "fixed in #12.")).hasSize(1);
        assertThat(outsideReferences(root, readme, "[missing](docs/nothing-here.md)"))
                .anyMatch(f -> f.contains("does not have"));
    }

    @Test
    void webAddressesAnchorsAndOrdinaryTextPass() {
        Path root = Path.of("/repo");
        Path readme = root.resolve("README.md");

        assertThat(outsideReferences(root, readme, String.join("\n",
                "# Verity", "[OpenAI](https://platform.openai.com/docs#chat)", "[above](#the-two-commands)",
                "the console at `http://localhost:8080/#token=…`", "P8: 100 streams, 643 ms", "design choices"))).isEmpty();
    }
}
