package dev.verity.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Evaluates the rendered NetworkPolicies the way the Kubernetes API defines them (a connection needs
 * an egress allowance at its source and an ingress allowance at its destination wherever policies
 * select the pod) over every pair of endpoints, and compares the allowed set with the documented one.
 */
class NetworkPoliciesTest {

    static final List<String> OVERLAYS = Rendering.OVERLAYS;

    /** A place a connection can start or end. Pods in the namespace have labels; the rest do not. */
    record Endpoint(String name, Map<String, String> labels, String address) {
        boolean isPod() {
            return labels != null;
        }
    }

    record Path(String from, String to, String port) implements Comparable<Path> {
        @Override
        public int compareTo(Path o) {
            return toString().compareTo(o.toString());
        }

        @Override
        public String toString() {
            return from + " -> " + to + " " + port;
        }
    }

    private static final Endpoint OUTSIDE = new Endpoint("outside", null, "198.51.100.7");
    private static final Endpoint INTERNET = new Endpoint("internet", null, "203.0.113.10");
    /** Any other workload sharing the namespace (e.g. a dev database or model server). */
    private static final Endpoint NEIGHBOUR = new Endpoint("neighbour", Map.of("app.kubernetes.io/name", "neighbour"), "10.0.0.99");
    private static final Endpoint OLLAMA = new Endpoint("ollama", Map.of("app.kubernetes.io/name", "ollama"), "10.0.0.98");
    private static final List<String> PORTS = List.of("TCP/22", "TCP/53", "UDP/53", "TCP/80", "TCP/443", "TCP/5005",
            "TCP/5432", "TCP/6379", "TCP/8080", "TCP/8081", "TCP/8082", "TCP/8083", "TCP/11434");

    /** Who calls whom, on the callee's HTTP port. */
    private static final Set<Path> DOCUMENTED_BETWEEN_PODS = Set.of(
            new Path("outside", "gateway", "TCP/8080"),
            new Path("neighbour", "gateway", "TCP/8080"),
            new Path("gateway", "execution-agent-service", "TCP/8082"),
            new Path("gateway", "llm-cascade-service", "TCP/8081"),
            new Path("gateway", "data-agent-service", "TCP/8083"),
            new Path("execution-agent-service", "llm-cascade-service", "TCP/8081"),
            new Path("execution-agent-service", "data-agent-service", "TCP/8083"));

    /** Beyond the four services: DNS for all, PostgreSQL for its two users, Redis for all, providers for the cascade. */
    private static final Map<String, Set<String>> DOCUMENTED_EGRESS = Map.of(
            "gateway", Set.of("TCP/53", "UDP/53", "TCP/5432", "TCP/6379"),
            "data-agent-service", Set.of("TCP/53", "UDP/53", "TCP/5432", "TCP/6379"),
            "execution-agent-service", Set.of("TCP/53", "UDP/53", "TCP/6379"),
            "llm-cascade-service", Set.of("TCP/53", "UDP/53", "TCP/6379", "TCP/443"));

    @ParameterizedTest(name = "{0}: between the services and from outside exactly the documented paths are open")
    @FieldSource("OVERLAYS")
    void onlyDocumentedPathsBetweenWorkloads(String overlay) {
        Rendering rendering = Rendering.of(overlay);
        List<Endpoint> services = services(rendering);
        List<Endpoint> sources = new ArrayList<>(services);
        sources.add(OUTSIDE);
        sources.add(NEIGHBOUR);
        Set<Path> open = new TreeSet<>();
        for (Endpoint from : sources) {
            for (Endpoint to : services) {
                for (String port : PORTS) {
                    if (from != to && allowed(rendering, from, to, port)) {
                        open.add(new Path(from.name(), to.name(), port));
                    }
                }
            }
        }
        assertThat(open).containsExactlyInAnyOrderElementsOf(DOCUMENTED_BETWEEN_PODS);
    }

    @ParameterizedTest(name = "{0}: each service reaches beyond the namespace only on its documented ports")
    @FieldSource("OVERLAYS")
    void egressBeyondTheServices(String overlay) {
        Rendering rendering = Rendering.of(overlay);
        for (Endpoint service : services(rendering)) {
            Set<String> toInternet = new TreeSet<>();
            Set<String> toNeighbour = new TreeSet<>();
            for (String port : PORTS) {
                if (allowed(rendering, service, INTERNET, port)) {
                    toInternet.add(port);
                }
                if (allowed(rendering, service, NEIGHBOUR, port)) {
                    toNeighbour.add(port);
                }
            }
            assertThat(toInternet).as("%s %s -> internet", overlay, service.name())
                    .containsExactlyInAnyOrderElementsOf(DOCUMENTED_EGRESS.get(service.name()));
            // PostgreSQL and Redis may as well run in the namespace (dev): same ports, nothing more.
            assertThat(toNeighbour).as("%s %s -> other pod in the namespace", overlay, service.name())
                    .containsExactlyInAnyOrderElementsOf(DOCUMENTED_EGRESS.get(service.name()));
        }
    }

    @ParameterizedTest(name = "{0}: only the cascade reaches the in-namespace model server, and only in dev")
    @FieldSource("OVERLAYS")
    void localModelServerOnlyForTheCascadeInDev(String overlay) {
        Rendering rendering = Rendering.of(overlay);
        for (Endpoint service : services(rendering)) {
            boolean expected = overlay.equals("dev") && service.name().equals("llm-cascade-service");
            assertThat(allowed(rendering, service, OLLAMA, "TCP/11434")).as("%s %s -> ollama", overlay, service.name())
                    .isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0}: every Verity pod is under a default deny in both directions")
    @FieldSource("OVERLAYS")
    void defaultDenyCoversEveryPod(String overlay) {
        Rendering rendering = Rendering.of(overlay);
        for (Endpoint service : services(rendering)) {
            List<NetworkPolicy> selecting = selecting(rendering, service);
            assertThat(selecting).anyMatch(p -> p.getSpec().getPolicyTypes().containsAll(List.of("Ingress", "Egress"))
                    && p.getSpec().getIngress().isEmpty() && p.getSpec().getEgress().isEmpty());
        }
        // A neighbour in the namespace keeps its own rules: Verity's policies do not select it.
        assertThat(selecting(rendering, NEIGHBOUR)).isEmpty();
    }

    // --- the NetworkPolicy semantics (networking.k8s.io/v1), for the peers Verity uses

    private static List<Endpoint> services(Rendering rendering) {
        List<Endpoint> services = new ArrayList<>();
        int i = 1;
        for (Deployment deployment : rendering.all(Deployment.class)) {
            services.add(new Endpoint(deployment.getMetadata().getName(),
                    deployment.getSpec().getTemplate().getMetadata().getLabels(), "10.0.1." + i++));
        }
        return services;
    }

    private static boolean allowed(Rendering rendering, Endpoint from, Endpoint to, String port) {
        return egressAllowed(rendering, from, to, port) && ingressAllowed(rendering, from, to, port);
    }

    private static boolean egressAllowed(Rendering rendering, Endpoint from, Endpoint to, String port) {
        return direction(rendering, from, "Egress", p -> p.getSpec().getEgress().stream()
                .anyMatch(rule -> portMatches(rule.getPorts(), port) && peersMatch(rule.getTo(), to)));
    }

    private static boolean ingressAllowed(Rendering rendering, Endpoint from, Endpoint to, String port) {
        return direction(rendering, to, "Ingress", p -> p.getSpec().getIngress().stream()
                .anyMatch(rule -> portMatches(rule.getPorts(), port) && peersMatch(rule.getFrom(), from)));
    }

    /** Unselected pods and anything outside the namespace are unrestricted; selected pods need one allowance. */
    private static boolean direction(Rendering rendering, Endpoint pod, String type, Function<NetworkPolicy, Boolean> allows) {
        if (!pod.isPod()) {
            return true;
        }
        List<NetworkPolicy> policies = selecting(rendering, pod).stream()
                .filter(p -> types(p).contains(type)).toList();
        return policies.isEmpty() || policies.stream().anyMatch(allows::apply);
    }

    private static List<NetworkPolicy> selecting(Rendering rendering, Endpoint pod) {
        return rendering.all(NetworkPolicy.class).stream()
                .filter(p -> pod.isPod() && selects(p.getSpec().getPodSelector(), pod.labels())).toList();
    }

    private static List<String> types(NetworkPolicy policy) {
        List<String> types = policy.getSpec().getPolicyTypes();
        if (types == null || types.isEmpty()) {
            return policy.getSpec().getEgress().isEmpty() ? List.of("Ingress") : List.of("Ingress", "Egress");
        }
        return types;
    }

    private static boolean peersMatch(List<NetworkPolicyPeer> peers, Endpoint endpoint) {
        if (peers == null || peers.isEmpty()) {
            return true;
        }
        for (NetworkPolicyPeer peer : peers) {
            assertThat(peer.getNamespaceSelector()).as("namespaceSelector peers are not modelled by this test").isNull();
            if (peer.getPodSelector() != null && endpoint.isPod() && selects(peer.getPodSelector(), endpoint.labels())) {
                return true;
            }
            if (peer.getIpBlock() != null && !endpoint.isPod() && inBlock(peer.getIpBlock(), endpoint.address())) {
                return true;
            }
        }
        return false;
    }

    private static boolean portMatches(List<NetworkPolicyPort> ports, String port) {
        if (ports == null || ports.isEmpty()) {
            return true;
        }
        String protocol = port.substring(0, port.indexOf('/'));
        int number = Integer.parseInt(port.substring(port.indexOf('/') + 1));
        for (NetworkPolicyPort candidate : ports) {
            String candidateProtocol = candidate.getProtocol() == null ? "TCP" : candidate.getProtocol();
            IntOrString value = candidate.getPort();
            assertThat(value == null || value.getIntVal() != null).as("named ports are not modelled by this test").isTrue();
            int low = value == null ? 0 : value.getIntVal();
            int high = value == null ? 65535 : candidate.getEndPort() == null ? low : candidate.getEndPort();
            if (candidateProtocol.equals(protocol) && number >= low && number <= high) {
                return true;
            }
        }
        return false;
    }

    private static boolean selects(LabelSelector selector, Map<String, String> labels) {
        assertThat(selector.getMatchExpressions()).as("matchExpressions are not modelled by this test").isNullOrEmpty();
        Map<String, String> required = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        return labels.entrySet().containsAll(required.entrySet());
    }

    private static boolean inBlock(IPBlock block, String address) {
        if (!inCidr(block.getCidr(), address)) {
            return false;
        }
        return block.getExcept() == null || block.getExcept().stream().noneMatch(e -> inCidr(e, address));
    }

    private static boolean inCidr(String cidr, String address) {
        try {
            String[] parts = cidr.split("/");
            byte[] net = InetAddress.getByName(parts[0]).getAddress();
            byte[] ip = InetAddress.getByName(address).getAddress();
            if (net.length != ip.length) {
                return false;
            }
            int bits = Integer.parseInt(parts[1]);
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((net[i / 8] & mask) != (ip[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
