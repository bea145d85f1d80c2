// A stand-in for meteor-1.5.jar and spice-1.0.jar that speaks their interfaces (METEOR's -stdio protocol,
// SPICE's JSON files) so the tests can check our client's side of them: what it sends, how it reads the
// answers, how it reports failures. The scores are plain unigram statistics that the tests recompute in C#;
// they are not METEOR or SPICE. Everything it receives is appended to standin-log.txt in its working
// directory; a file standin-mode.txt containing "fail" makes it fail as a broken jar would.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.regex.*;

public class MetricJarStandIn {
    static PrintWriter log;

    public static void main(String[] args) throws Exception {
        log = new PrintWriter(new OutputStreamWriter(new FileOutputStream("standin-log.txt", true), StandardCharsets.UTF_8), true);
        log.println("ARGS " + String.join(" ", args));
        log.println("JVM " + String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
        Path mode = Paths.get("standin-mode.txt");
        if (Files.exists(mode) && new String(Files.readAllBytes(mode), StandardCharsets.UTF_8).trim().equals("fail")) {
            System.err.println("Loading resources...");
            throw new IllegalStateException("stand-in failure");
        }
        if (Arrays.asList(args).contains("-stdio")) meteor(); else spice(args);
    }

    static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        for (String t : s.trim().split(" +")) if (!t.isEmpty()) out.add(t);
        return out;
    }

    // Clipped unigram matches of the hypothesis against one reference.
    static int matches(List<String> hyp, List<String> ref) {
        Map<String, Integer> counts = new HashMap<>();
        for (String t : ref) counts.merge(t, 1, Integer::sum);
        int m = 0;
        for (String t : hyp) {
            Integer c = counts.get(t);
            if (c != null && c > 0) { m++; counts.put(t, c - 1); }
        }
        return m;
    }

    static double fmean(double m, double h, double r) {
        if (m == 0) return 0;
        double p = m / h, rc = m / r;
        return 10 * p * rc / (rc + 9 * p);
    }

    // SCORE ||| ref ||| ... ||| hyp -> "m h r" for the best reference; EVAL ||| stats ... -> item scores, then
    // the score of the summed statistics.
    static void meteor() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            log.println("LINE " + line);
            String[] fields = line.split(" \\|\\|\\| ", -1);
            if (fields[0].equals("SCORE")) {
                List<String> hyp = tokens(fields[fields.length - 1]);
                int bestM = -1, bestR = 0;
                for (int i = 1; i < fields.length - 1; i++) {
                    List<String> ref = tokens(fields[i]);
                    int m = matches(hyp, ref);
                    if (m > bestM) { bestM = m; bestR = ref.size(); }
                }
                out.println(bestM + " " + hyp.size() + " " + bestR);
            } else if (fields[0].equals("EVAL")) {
                double sm = 0, sh = 0, sr = 0;
                for (int i = 1; i < fields.length; i++) {
                    String[] s = fields[i].trim().split(" ");
                    double m = Double.parseDouble(s[0]), h = Double.parseDouble(s[1]), r = Double.parseDouble(s[2]);
                    out.println(fmean(m, h, r));
                    sm += m; sh += h; sr += r;
                }
                out.println(fmean(sm, sh, sr));
            } else {
                out.println("unknown request");
            }
        }
    }

    static final Pattern ITEM = Pattern.compile("\"image_id\"\\s*:\\s*(\\d+)\\s*,\\s*\"test\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,\\s*\"refs\"\\s*:\\s*\\[(.*?)\\]", Pattern.DOTALL);
    static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    // input.json -cache DIR -out OUT -subset -silent: per item the F1 of the hypothesis's word set against
    // the union of the references' word sets ("NaN" for an empty hypothesis, as SPICE writes for no tuples).
    static void spice(String[] args) throws IOException {
        String input = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        String outPath = args[Arrays.asList(args).indexOf("-out") + 1];
        StringBuilder json = new StringBuilder("[");
        Matcher item = ITEM.matcher(input);
        boolean first = true;
        while (item.find()) {
            Set<String> hyp = new HashSet<>(tokens(item.group(2)));
            Set<String> refs = new HashSet<>();
            Matcher ref = STRING.matcher(item.group(3));
            while (ref.find()) refs.addAll(tokens(ref.group(1)));
            Set<String> both = new HashSet<>(hyp);
            both.retainAll(refs);
            String f = hyp.isEmpty() ? "\"NaN\"" : Double.toString(2.0 * both.size() / (hyp.size() + refs.size()));
            json.append(first ? "" : ",").append("{\"image_id\": ").append(item.group(1))
                .append(", \"scores\": {\"All\": {\"f\": ").append(f).append(", \"pr\": 0, \"re\": 0}}}");
            first = false;
        }
        Files.write(Paths.get(outPath), json.append("]").toString().getBytes(StandardCharsets.UTF_8));
    }
}
