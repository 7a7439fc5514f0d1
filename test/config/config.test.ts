import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { StackConfigError, loadStackConfig } from "../../config/index";
import { StackFileValues } from "../../config/secrets";
import { stackFileConfig, writeKubeconfig } from "../stackConfig";
import { promiseOf } from "../mocks";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-config-"));
const env = { KUBECONFIG: writeKubeconfig(dir, ["minikube", "kind-ci"]) };

/** A stack file whose values at `secure` are encrypted and at `plain` are not. */
function file(secure: string[], plain: string[] = []): StackFileValues {
    return { secure, plain };
}

function load(values: Record<string, string>, stack = "minikube", secure: string[] = [], plain: string[] = []) {
    return loadStackConfig({ project: "daskk8s", stack, values, stackFile: file(secure, plain), env });
}

function minikubeWith(overrides: Record<string, unknown>): Record<string, string> {
    const values = stackFileConfig("minikube");
    for (const [key, value] of Object.entries(overrides)) {
        values[`daskk8s:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return values;
}

function assertRejects(values: Record<string, string>, expected: string, secure: string[] = [], plain: string[] = []) {
    assert.throws(
        () => load(values, "minikube", secure, plain),
        (err: unknown) => {
            assert.ok(err instanceof StackConfigError, String(err));
            assert.ok(err.message.startsWith("Invalid stack configuration in Pulumi.minikube.yaml"), err.message);
            assert.ok(err.message.includes(expected), `expected "${expected}" in:\n${err.message}`);
            return true;
        },
    );
}

describe("stack config: the committed stacks", () => {
    it("minikube: context minikube, NodePort services, metrics-server with insecure kubelet TLS, KEDA, Dask-driven autoscaling 1-3", () => {
        const s = load(stackFileConfig("minikube"));
        assert.deepEqual(s.target, { kind: "kubeconfig", args: { context: "minikube" } });
        assert.equal(s.dask.scheduler?.service?.type, "NodePort");
        assert.equal(s.dask.jupyter?.service?.type, "NodePort");
        assert.deepEqual(s.dask.workers?.autoscaling, { minReplicas: 1, maxReplicas: 3 });
        assert.deepEqual(s.metricsServer, { mode: "chart", kubeletInsecureTls: true });
        assert.deepEqual(s.keda, { mode: "chart" });
    });

    it("dev: EKS Auto Mode with Spot workers, LoadBalancers with source ranges, the metrics-server add-on, KEDA, Dask-driven autoscaling 1-3", () => {
        const s = loadStackConfig({ project: "daskk8s", stack: "dev", values: stackFileConfig("dev"), env });
        assert.equal(s.target.kind, "eks");
        assert.deepEqual(s.target.args, {
            kubernetesVersion: "1.34",
            nodeAutoscaling: "auto-mode",
            workerCapacity: "spot",
            nodeLimits: { workers: { cpu: 64, memoryGiB: 256 }, core: { cpu: 16, memoryGiB: 64 } },
        });
        assert.deepEqual(s.dask.scheduler?.service, { type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.0/24"] });
        assert.deepEqual(s.dask.workers?.autoscaling, { minReplicas: 1, maxReplicas: 3 });
        assert.deepEqual(s.keda, { mode: "chart" });
        assert.deepEqual(s.metricsServer, { mode: "existing" }, "the EKS add-on serves the metrics API");
        assert.equal(s.s3Access, undefined, "no AWS access unless asked for");
        // The Dask pods on the pools: scheduler and notebook on-demand and never disrupted, workers on theirs, one at a time.
        const core = { nodeSelector: { "karpenter.sh/nodepool": "dask-core" }, annotations: { "karpenter.sh/do-not-disrupt": "true" } };
        assert.deepEqual(s.dask.scheduler?.placement, core);
        assert.deepEqual(s.dask.jupyter?.placement, core);
        assert.deepEqual(s.dask.workers?.placement, {
            nodeSelector: { "karpenter.sh/nodepool": "dask-workers" },
            tolerations: [{ key: "daskk8s.io/workers", value: "true", effect: "NoSchedule", operator: "Equal" }],
        });
        assert.equal(s.dask.workers?.maxUnavailable, 1);
        assert.equal(s.dask.workers?.serviceAccountName, undefined);
    });

    it("EKS: placement set in the stack wins key by key, tolerations add up; a fixed node group places nothing", () => {
        const dev = stackFileConfig("dev");
        const own = { nodeSelector: { "karpenter.sh/nodepool": "gpu-workers" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" }] };
        const s = loadStackConfig({
            project: "daskk8s",
            stack: "dev",
            values: { ...dev, "daskk8s:dask": JSON.stringify({ ...JSON.parse(dev["daskk8s:dask"]), workers: { placement: own, maxUnavailable: 2 } }) },
            env,
        });
        assert.deepEqual(s.dask.workers?.placement?.nodeSelector, { "karpenter.sh/nodepool": "gpu-workers" });
        assert.deepEqual(
            s.dask.workers?.placement?.tolerations?.map((t) => t.key),
            ["daskk8s.io/workers", "nvidia.com/gpu"],
        );
        assert.equal(s.dask.workers?.maxUnavailable, 2);
        const fixed = loadStackConfig({
            project: "daskk8s",
            stack: "dev",
            values: { ...dev, "daskk8s:eks": JSON.stringify({ nodeAutoscaling: "none" }) },
            env,
        });
        assert.equal(fixed.dask.scheduler?.placement, undefined);
        assert.equal(fixed.dask.workers?.placement, undefined);
        assert.equal(fixed.dask.workers?.maxUnavailable, undefined);
    });

    it("EKS with s3Access: the workers get their own ServiceAccount, bound with the notebook's to the buckets", () => {
        const dev = stackFileConfig("dev");
        const buckets = [
            { bucket: "input", access: "read" },
            { bucket: "results", access: "read-write", prefix: "dev/" },
        ];
        const values = { ...dev, "daskk8s:eks": JSON.stringify({ s3Access: buckets }) };
        const s = loadStackConfig({ project: "daskk8s", stack: "dev", values, env });
        assert.equal(s.dask.workers?.serviceAccountName, "dask-worker");
        assert.deepEqual(s.s3Access, { namespace: "dask", serviceAccounts: ["dask-worker", "dask-jupyter"], buckets });
        const noNotebook = { ...values, "daskk8s:dask": JSON.stringify({ namespace: "analytics", fullname: "big", jupyter: { enabled: false } }) };
        assert.deepEqual(loadStackConfig({ project: "daskk8s", stack: "dev", values: noNotebook, env }).s3Access, {
            namespace: "analytics",
            serviceAccounts: ["big-worker"],
            buckets,
        });
    });

    it("EKS: refuses a metrics-server chart next to the metrics-server add-on, and deploys it with the add-on off", () => {
        const dev = stackFileConfig("dev");
        assert.throws(
            () => loadStackConfig({ project: "daskk8s", stack: "dev", values: { ...dev, "daskk8s:metricsServer": '{"mode":"chart"}' }, env }),
            /daskk8s:metricsServer\.mode \("chart"\) would deploy a second metrics server next to the EKS add-on/,
        );
        assert.throws(
            () => loadStackConfig({ project: "daskk8s", stack: "dev", values: { ...dev, "daskk8s:metricsServer": '{"kubeletInsecureTls":true}' }, env }),
            /daskk8s:metricsServer\.kubeletInsecureTls \(true\) would deploy a second metrics server next to the EKS add-on[^\n]*\n?$/,
        );
        const off = { ...dev, "daskk8s:metricsServer": '{"mode":"chart"}', "daskk8s:eks": '{"metricsServerAddon":false}' };
        assert.deepEqual(loadStackConfig({ project: "daskk8s", stack: "dev", values: off, env }).metricsServer, { mode: "chart" });
    });

    it("deploys KEDA with its defaults for the Dask-driven autoscaler, none for the CPU one, and as configured when set", () => {
        const without = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).filter(([k]) => k !== "daskk8s:keda"));
        assert.deepEqual(load(without(minikubeWith({}))).keda, {});
        assert.equal(load(without(minikubeWith({ autoscaling: { metric: "cpu" } }))).keda, undefined);
        assert.equal(load(without(minikubeWith({ autoscaling: { enabled: false } }))).keda, undefined);
        // Turning the autoscaler off leaves a configured KEDA as it is.
        assert.deepEqual(load(minikubeWith({ autoscaling: { enabled: false } })).keda, { mode: "chart" });
        assert.deepEqual(load(minikubeWith({ keda: { mode: "existing" } })).keda, { mode: "existing" });
    });

    it("turns autoscaling off on request, so workers keep their replica count", () => {
        const s = load(minikubeWith({ autoscaling: { enabled: false }, dask: { workers: { replicas: 4 } } }));
        assert.deepEqual(s.dask.workers, { replicas: 4 });
    });

    it("accepts quantities written as numbers, as `pulumi config set --path ... 2` stores them", () => {
        const s = load(minikubeWith({ dask: { workers: { resources: { requests: { cpu: 1, memory: "1Gi" }, limits: { cpu: 2, memory: "2Gi" } } } } }));
        assert.deepEqual(s.dask.workers?.resources, { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } });
    });

    it("reads a kubeconfig path that starts with ~ from the home directory", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "daskk8s-home-"));
        fs.mkdirSync(path.join(home, ".kube"));
        fs.copyFileSync(env.KUBECONFIG, path.join(home, ".kube", "config"));
        const s = loadStackConfig({
            project: "daskk8s",
            stack: "minikube",
            env: { HOME: home },
            values: minikubeWith({ kubeconfig: { kubeconfigPath: "~/.kube/config" } }),
        });
        assert.deepEqual(s.target, { kind: "kubeconfig", args: { kubeconfigPath: path.join(home, ".kube", "config"), context: "minikube" } });
    });

    it("leaves the settings of Pulumi and of the AWS providers to them", () => {
        const s = load({ ...stackFileConfig("minikube"), "aws:profile": "team", "pulumi:disable-default-providers": '["kubernetes"]' });
        assert.equal(s.target.kind, "kubeconfig");
    });

    it("passes a secret Jupyter password through, as a Pulumi secret", async () => {
        const s = load(minikubeWith({ jupyterPassword: "a long password" }), "minikube", ["daskk8s:jupyterPassword"]);
        const password = s.dask.jupyter?.password;
        assert.ok(pulumi.Output.isInstance<string>(password), "the password reaches DaskCluster as a Pulumi output");
        assert.equal(await pulumi.isSecret(password), true);
        assert.equal(await promiseOf(password), "a long password");
    });
});

describe("stack config: secrets stay secret or are refused", () => {
    it("carries secretEnv into the DaskCluster args as secret environment for workers and Jupyter", async () => {
        const s = load(minikubeWith({ secretEnv: { workers: { API_TOKEN: "tok-1", PORT: 8080 }, jupyter: { NB: "nb-1" } } }), "minikube", [
            "daskk8s:secretEnv.workers.API_TOKEN",
            "daskk8s:secretEnv.workers.PORT",
            "daskk8s:secretEnv.jupyter.NB",
        ]);
        const values = async (env: Record<string, pulumi.Input<string>> | undefined) =>
            Object.fromEntries(
                await Promise.all(
                    Object.entries(env ?? {}).map(async ([name, value]) => {
                        assert.equal(await pulumi.isSecret(pulumi.output(value)), true, `${name} is a Pulumi secret`);
                        return [name, await promiseOf(pulumi.output(value))];
                    }),
                ),
            );
        assert.deepEqual(await values(s.dask.workers?.secretEnv), { API_TOKEN: "tok-1", PORT: "8080" });
        assert.deepEqual(await values(s.dask.jupyter?.secretEnv), { NB: "nb-1" });
    });

    it("a secret inside an ordinary setting, naming the exact key and where it may go", () => {
        const values = minikubeWith({ dask: { workers: { env: { API_TOKEN: "tok-secret-1" } } } });
        assert.throws(
            () => load(values, "minikube", ["daskk8s:dask.workers.env.API_TOKEN"]),
            (err: StackConfigError) => {
                assert.ok(err instanceof StackConfigError);
                assert.equal(err.lines.length, 1, err.message);
                assert.equal(
                    err.lines[0],
                    "daskk8s:dask.workers.env.API_TOKEN (secret) holds a value set with --secret, which this setting would write " +
                        "in plaintext into state and Kubernetes objects: secrets go in daskk8s:jupyterPassword and daskk8s:secretEnv only " +
                        "(secretEnv.workers.<NAME> / secretEnv.jupyter.<NAME> for environment variables); for example " +
                        "`pulumi config rm --path dask.workers.env.API_TOKEN` and `pulumi config set --secret --path secretEnv.workers.API_TOKEN <value>`",
                );
                assert.ok(!err.message.includes("tok-secret-1"), "the value is never echoed");
                return true;
            },
        );
    });

    it("a secret in any other setting", () => {
        for (const [key, value, secure] of [
            ["eks", { tags: { team: "x" } }, "daskk8s:eks.tags.team"],
            ["metricsServer", { values: { token: "x" } }, "daskk8s:metricsServer.values.token"],
            ["kubeconfig", { context: "minikube" }, "daskk8s:kubeconfig.context"],
        ] as const) {
            const values = key === "eks" ? { ...stackFileConfig("dev"), "daskk8s:eks": JSON.stringify(value) } : minikubeWith({ [key]: value });
            assert.throws(
                () => loadStackConfig({ project: "daskk8s", stack: key === "eks" ? "dev" : "minikube", values, env, stackFile: file([secure]) }),
                (err: StackConfigError) => err.lines.some((l) => l.startsWith(`${secure} (secret) holds a value set with --secret`)),
            );
        }
    });

    it("secret settings of the AWS provider are left to it", () => {
        const s = loadStackConfig({
            project: "daskk8s",
            stack: "dev",
            values: { ...stackFileConfig("dev"), "aws:secretKey": "x" },
            env,
            stackFile: file(["aws:secretKey"]),
        });
        assert.equal(s.target.kind, "eks");
    });

    it("secretEnv stored in plaintext", () =>
        assertRejects(
            minikubeWith({ secretEnv: { workers: { API_TOKEN: "tok" } } }),
            "daskk8s:secretEnv.workers.API_TOKEN is stored in plaintext: set it with `pulumi config set --secret --path secretEnv.workers.API_TOKEN <value>`",
            [],
            ["daskk8s:secretEnv.workers.API_TOKEN"],
        ));

    it("a secret setting that is not in the stack file (an ESC environment) is taken as it comes, and never shown", () => {
        const s = load(minikubeWith({ jupyterPassword: "from an environment" }));
        assert.ok(pulumi.Output.isInstance(s.dask.jupyter?.password));
        assert.throws(
            () => load(minikubeWith({ secretEnv: { workers: { X: { Y: "tok-esc" } } } })),
            (err: StackConfigError) => {
                assert.deepEqual(err.lines, ["daskk8s:secretEnv.workers.X (secret) must be a string"]);
                return true;
            },
        );
    });

    it("one plaintext value among secret ones in secretEnv", () => {
        const values = minikubeWith({ secretEnv: { workers: { API_TOKEN: "tok", MODE: "plain" } } });
        assert.throws(
            () => load(values, "minikube", ["daskk8s:secretEnv.workers.API_TOKEN"], ["daskk8s:secretEnv.workers.MODE"]),
            (err: StackConfigError) => {
                assert.deepEqual(err.lines, [
                    "daskk8s:secretEnv.workers.MODE is stored in plaintext: set it with `pulumi config set --secret --path secretEnv.workers.MODE <value>`",
                ]);
                return true;
            },
        );
    });

    it("secret variables with bad names, or Jupyter's while Jupyter is off", () => {
        assertRejects(
            minikubeWith({ secretEnv: { workers: { "API-TOKEN": "x" } } }),
            'daskk8s:secretEnv.workers.API-TOKEN ("API-TOKEN") must be an environment variable name',
            ["daskk8s:secretEnv.workers.X"],
        );
        assertRejects(
            minikubeWith({ secretEnv: { workers: { TOKEN: "x" } }, dask: { workers: { env: { TOKEN: "y" } } } }),
            "daskk8s:secretEnv.workers.TOKEN (secret) is also set in daskk8s:dask.workers.env.TOKEN",
            ["daskk8s:secretEnv.workers.X"],
        );
        assertRejects(
            minikubeWith({ secretEnv: { jupyter: { TOKEN: "x" } }, dask: { jupyter: { enabled: false } } }),
            "daskk8s:dask.jupyter.enabled (false) is false, yet daskk8s:jupyterPassword, daskk8s:dask.jupyter.service or daskk8s:secretEnv.jupyter is set",
            ["daskk8s:secretEnv.workers.X"],
        );
    });

    it("a secret that also breaks its setting's own rule is refused as a secret only, never shown", () => {
        const values = minikubeWith({ dask: { namespace: "Pw-token-1", workers: { env: { EXTRA_PIP_PACKAGES: "git+https://tok-2@x" } } } });
        assert.throws(
            () => load(values, "minikube", ["daskk8s:dask.namespace", "daskk8s:dask.workers.env.EXTRA_PIP_PACKAGES"]),
            (err: StackConfigError) => {
                assert.deepEqual(
                    err.lines.map((l) => l.split(" (secret)")[0]),
                    ["daskk8s:dask.namespace", "daskk8s:dask.workers.env.EXTRA_PIP_PACKAGES"],
                );
                assert.ok(!err.message.includes("Pw-token-1") && !err.message.includes("tok-2"), err.message);
                return true;
            },
        );
    });

    it("a secret setting of the wrong shape, without showing it", () => {
        assertRejects(minikubeWith({ secretEnv: "tok-shape-1" }), "daskk8s:secretEnv (secret) must be an object", ["daskk8s:secretEnv.workers.X"]);
        assert.throws(
            () => load(minikubeWith({ secretEnv: "tok-shape-1" }), "minikube", ["daskk8s:secretEnv.workers.X"]),
            (err: Error) => !err.message.includes("tok-shape"),
        );
    });

    it("an empty secretEnv holds nothing to keep secret", () => {
        assert.equal(load(minikubeWith({ secretEnv: {} })).dask.workers?.secretEnv, undefined);
    });

    it("environment values written as numbers are taken as text", () => {
        const s = load(minikubeWith({ dask: { workers: { env: { OMP_NUM_THREADS: 1, DEBUG: true } } } }));
        assert.deepEqual(s.dask.workers?.env, { OMP_NUM_THREADS: "1", DEBUG: "true" });
    });
});

describe("stack config: each bad setting fails with the file, key, value and what is allowed", () => {
    // Each: a title, the settings changed on the minikube stack, the expected line (and the stack file's secure and plain paths).
    const refusals: [string, Record<string, unknown>, string, string[]?, string[]?][] = [
        ["an unknown target", { target: "gke" }, 'daskk8s:target ("gke") must be one of "eks", "minikube", "existing"'],
        [
            "autoscaling min above max",
            { autoscaling: { minReplicas: 5, maxReplicas: 3 } },
            "daskk8s:autoscaling.minReplicas (5) must not exceed daskk8s:autoscaling.maxReplicas (3)",
        ],
        [
            "worker replicas while the autoscaler owns the count",
            { dask: { workers: { replicas: 4 } } },
            "daskk8s:dask.workers.replicas (4) has no effect while daskk8s:autoscaling.enabled is on: the autoscaler owns the worker count; " +
                "bound it with daskk8s:autoscaling.minReplicas and daskk8s:autoscaling.maxReplicas, or turn autoscaling off",
        ],
        [
            "a CPU target outside 1-100",
            { autoscaling: { targetCpuUtilization: 120 } },
            "daskk8s:autoscaling.targetCpuUtilization (120) must be a whole number from 1 to 100",
        ],
        [
            "negative worker replicas",
            { autoscaling: { enabled: false }, dask: { workers: { replicas: -2 } } },
            "daskk8s:dask.workers.replicas (-2) must be a whole number from 0 to 2147483647",
        ],
        [
            "a count beyond what Kubernetes holds (int32), before anything is created",
            { autoscaling: { maxReplicas: 3000000000 } },
            "daskk8s:autoscaling.maxReplicas (3000000000) must be a whole number from 1 to 2147483647 (the largest Kubernetes accepts)",
        ],
        [
            "a bad setting in a disabled autoscaling block",
            { autoscaling: { enabled: false, minReplicas: -5 } },
            "daskk8s:autoscaling.minReplicas (-5) must be a whole number from 0 to 2147483647",
        ],
        [
            "bounds the wrong way round in a disabled autoscaling block",
            { autoscaling: { enabled: false, minReplicas: 5, maxReplicas: 3 } },
            "daskk8s:autoscaling.minReplicas (5) must not exceed daskk8s:autoscaling.maxReplicas (3)",
        ],
        ["replicas that are not a number", { dask: { workers: { replicas: "three" } } }, 'daskk8s:dask.workers.replicas ("three") must be a number'],
        [
            "a public scheduler without source ranges",
            { dask: { scheduler: { service: { type: "LoadBalancer" } } } },
            "daskk8s:dask.scheduler.service.loadBalancerSourceRanges (unset) must list the CIDR blocks allowed to reach the scheduler",
        ],
        ["a package list that is a string", { dask: { packages: { pip: "dask-ml s3fs" } } }, 'daskk8s:dask.packages.pip ("dask-ml s3fs") must be a list'],
        [
            "a package spec with shell syntax",
            { dask: { packages: { pip: ["dask-ml", "s3fs && curl x"] } } },
            'daskk8s:dask.packages.pip[1] ("s3fs && curl x") must be a pip requirement',
        ],
        ["an empty image tag", { dask: { image: { tag: "" } } }, 'daskk8s:dask.image.tag ("") must be a non-empty image tag'],
        [
            "a typo in a top-level key",
            { autoscalling: { minReplicas: 1 } },
            "daskk8s:autoscalling (set) is not a known setting (known here: target, kubeconfig, eks, dask, jupyterPassword, secretEnv, metricsServer, keda, autoscaling)",
        ],
        [
            "a typo in a nested key",
            { dask: { workers: { replica: 2 } } },
            "daskk8s:dask.workers.replica (set) is not a known setting (known here: replicas, resources, threads, retireTimeoutSeconds, env, placement, serviceAccountName, maxUnavailable)",
        ],
        [
            "a CPU target for the Dask-driven autoscaler",
            { autoscaling: { targetCpuUtilization: 60 } },
            'daskk8s:autoscaling.targetCpuUtilization (60) only applies when daskk8s:autoscaling.metric is "cpu" (it is "dask")',
        ],
        [
            "scale to zero on CPU",
            { autoscaling: { metric: "cpu", minReplicas: 0 } },
            'daskk8s:autoscaling.minReplicas (0) must be at least 1 with daskk8s:autoscaling.metric "cpu"',
        ],
        [
            "a KEDA polling interval for the CPU autoscaler",
            { autoscaling: { metric: "cpu", pollingIntervalSeconds: 5 } },
            'daskk8s:autoscaling.pollingIntervalSeconds (5) only applies when daskk8s:autoscaling.metric is "dask" (it is "cpu")',
        ],
        [
            "an autoscaling metric that does not exist",
            { autoscaling: { metric: "memory" } },
            'daskk8s:autoscaling.metric ("memory") must be one of "dask", "cpu"',
        ],
        ["the program's own KEDA wiring in the stack file", { autoscaling: { kedaReady: true } }, "daskk8s:autoscaling.kedaReady (set) is not a known setting"],
        [
            "chart values for a KEDA the stack does not deploy",
            { keda: { mode: "existing", values: { a: 1 } } },
            'daskk8s:keda.values (set) only applies when daskk8s:keda.mode is "chart" (it is "existing": nothing is deployed)',
        ],
        [
            "a retirement timeout beyond an hour",
            { dask: { workers: { retireTimeoutSeconds: 7200 } } },
            "daskk8s:dask.workers.retireTimeoutSeconds (7200) must be a whole number from 0 to 3600",
        ],
        [
            "a metrics-server mode that does not exist",
            { metricsServer: { mode: "addon" } },
            'daskk8s:metricsServer.mode ("addon") must be one of "chart", "existing"',
        ],
        ["a kubeconfig context that does not exist", { kubeconfig: { context: "prod" } }, 'daskk8s:kubeconfig.context ("prod") must be a context in'],
        ["EKS settings on a minikube stack", { eks: { minNodes: 1 } }, "daskk8s:eks (set) only applies to target eks; target is minikube"],
        [
            "a Jupyter password stored in plaintext",
            { jupyterPassword: "a long password" },
            "daskk8s:jupyterPassword is stored in plaintext: set it with `pulumi config set --secret jupyterPassword`",
            [],
            ["daskk8s:jupyterPassword"],
        ],
        [
            "a worker CPU request above its limit",
            { dask: { workers: { resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } } } },
            'daskk8s:dask.workers.resources.requests.cpu ("2") must not exceed daskk8s:dask.workers.resources.limits.cpu (1)',
        ],
    ];
    for (const [title, overrides, expected, secure, plain] of refusals) {
        it(title, () => assertRejects(minikubeWith(overrides), expected, secure, plain));
    }

    it("a missing target", () => {
        const values = stackFileConfig("minikube");
        delete values["daskk8s:target"];
        assertRejects(values, "daskk8s:target (unset) must be one of");
    });

    it("a misspelled project prefix, naming the key it means", () => {
        const values = { ...stackFileConfig("minikube"), "dask:autoscaling": JSON.stringify({ minReplicas: 2 }) };
        assertRejects(values, "dask:autoscaling is not read by anything: this project's settings are daskk8s:<key> (did you mean daskk8s:autoscaling?)");
    });

    it("a kubernetes: provider setting the program would ignore", () =>
        assertRejects(
            { ...stackFileConfig("minikube"), "kubernetes:context": "prod" },
            "kubernetes:context is not read: the program makes its own Kubernetes provider from daskk8s:kubeconfig",
        ));

    it("a top-level __proto__ key, which is a key like any other", () => {
        const values = { ...stackFileConfig("minikube"), "daskk8s:__proto__": JSON.stringify({ autoscaling: { maxReplicas: 7 } }) };
        assertRejects(values, "daskk8s:__proto__ (set) is not a known setting");
    });

    it("an image repository with a tag in it, even a numeric one", () => {
        assertRejects(
            minikubeWith({ dask: { image: { repository: "dask:2024" } } }),
            'daskk8s:dask.image.repository ("dask:2024") must be an image repository',
        );
        assert.equal(
            load(minikubeWith({ dask: { image: { repository: "localhost:5000/my__team/dask--x" } } })).dask.image?.repository,
            "localhost:5000/my__team/dask--x",
        );
    });

    it("the chart's default Jupyter password, without echoing it", () => {
        assertRejects(minikubeWith({ jupyterPassword: "dask" }), "daskk8s:jupyterPassword (secret) must not be the chart's public default password", [
            "daskk8s:jupyterPassword",
        ]);
    });

    it("EKS without a region", () => {
        const values = stackFileConfig("dev");
        delete values["aws:region"];
        assert.throws(
            () => loadStackConfig({ project: "daskk8s", stack: "dev", values, env }),
            /Pulumi\.dev\.yaml[\s\S]*aws:region \(unset\) is required for target eks/,
        );
    });

    it("EKS node counts out of order", () => {
        const values = { ...stackFileConfig("dev"), "daskk8s:eks": JSON.stringify({ nodeAutoscaling: "none", minNodes: 3, desiredNodes: 2 }) };
        assert.throws(
            () => loadStackConfig({ project: "daskk8s", stack: "dev", values, env }),
            /daskk8s:eks\.minNodes \(3\) must not exceed daskk8s:eks\.desiredNodes \(2\)/,
        );
    });

    it("reports every bad value in one go; rules between settings once the values are good", () => {
        assert.throws(
            () => load(minikubeWith({ autoscaling: { minReplicas: -1, pollingIntervalSeconds: 0 }, dask: { workers: { threads: 0 } } })),
            (err: StackConfigError) => err.lines.length === 3,
        );
        assert.throws(
            () => load(minikubeWith({ autoscaling: { minReplicas: 5, maxReplicas: 3 }, dask: { namespace: "kube-system" } })),
            (err: StackConfigError) => err.lines.length === 2,
        );
    });
});
