import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import {
    Seen,
    autoscaledWorkersWithoutRetirement,
    defaultJupyterPassword,
    hpaTargetsWithoutCpuRequests,
    openLoadBalancer,
    schedulerOnSpot,
    unpinnedDaskImages,
    wildcardBucketAccess,
    workerResourcesMissing,
} from "../policy/rules";

function daskDeployment(name: string, component: string, image: string, resources?: object): Seen {
    return {
        type: "kubernetes:apps/v1:Deployment",
        urn: `urn:${name}`,
        props: {
            metadata: { name, namespace: "dask" },
            spec: { template: { metadata: { labels: { app: "dask", component } }, spec: { containers: [{ name, image, resources }] } } },
        },
    };
}

const fullResources = { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "1", memory: "4Gi" } };
const cpuHpa: Seen = {
    type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    urn: "urn:hpa",
    props: {
        metadata: { name: "dask-worker", namespace: "dask" },
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "dask-worker" },
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        },
    },
};

describe("policy: no-open-load-balancer", () => {
    const lb = (ports: object[], ranges?: string[]) => ({
        metadata: { name: "dask-scheduler" },
        spec: { type: "LoadBalancer", ports, loadBalancerSourceRanges: ranges },
    });
    it("passes ClusterIP and NodePort Services, and LoadBalancers with source ranges", () => {
        assert.equal(openLoadBalancer({ spec: { type: "NodePort", ports: [{ port: 8786 }] } }), undefined);
        assert.equal(openLoadBalancer(lb([{ port: 8786 }], ["203.0.113.0/24"])), undefined);
    });
    it("fails an open scheduler LoadBalancer, naming the config key to fix", () => {
        assert.match(
            openLoadBalancer(lb([{ port: 8786, targetPort: 8786 }]))!,
            /exposes the Dask scheduler \(port 8786\)[\s\S]*daskk8s:dask\.scheduler\.service\.loadBalancerSourceRanges/,
        );
    });
    it("fails any other open LoadBalancer", () => {
        assert.match(openLoadBalancer(lb([{ port: 80 }], []))!, /without loadBalancerSourceRanges/);
    });
});

describe("policy: cpu-requests-for-cpu-autoscaling", () => {
    it("passes when the targeted Deployment requests CPU", () => {
        assert.deepEqual(hpaTargetsWithoutCpuRequests([cpuHpa, daskDeployment("dask-worker", "worker", "ghcr.io/dask/dask:2024.1.0", fullResources)]), []);
    });
    it("fails a CPU-scaled Deployment without a CPU request, pointing at the Deployment", () => {
        const violations = hpaTargetsWithoutCpuRequests([
            cpuHpa,
            daskDeployment("dask-worker", "worker", "ghcr.io/dask/dask:2024.1.0", { requests: { memory: "1Gi" } }),
        ]);
        assert.equal(violations.length, 1);
        assert.equal(violations[0].urn, "urn:dask-worker");
        assert.match(violations[0].message, /no CPU request, so the HPA shows <unknown>/);
    });
    it("ignores HPAs on other metrics and Deployments of other namespaces", () => {
        const memoryHpa = structuredClone(cpuHpa);
        memoryHpa.props.spec.metrics[0].resource.name = "memory";
        const elsewhere = daskDeployment("dask-worker", "worker", "x:1", {});
        elsewhere.props.metadata.namespace = "other";
        assert.deepEqual(hpaTargetsWithoutCpuRequests([memoryHpa, daskDeployment("dask-worker", "worker", "x:1", {})]), []);
        assert.deepEqual(hpaTargetsWithoutCpuRequests([cpuHpa, elsewhere]), []);
    });
});

describe("policy: pinned-dask-images", () => {
    const trio = (schedulerTag: string, workerImage = "ghcr.io/dask/dask:2024.1.0") => [
        daskDeployment("dask-scheduler", "scheduler", `ghcr.io/dask/dask${schedulerTag}`),
        daskDeployment("dask-worker", "worker", workerImage),
        daskDeployment("dask-jupyter", "jupyter", "ghcr.io/dask/dask-notebook:2024.1.0"),
    ];
    it("passes one pinned tag everywhere, including a registry with a port", () => {
        assert.deepEqual(unpinnedDaskImages(trio(":2024.1.0")), []);
        assert.deepEqual(unpinnedDaskImages(trio(":2024.1.0", "registry.local:5000/dask/dask:2024.1.0")), []);
    });
    it("fails latest and untagged images", () => {
        assert.match(unpinnedDaskImages(trio(":latest"))[0].message, /pin a Dask version tag/);
        assert.match(unpinnedDaskImages(trio("", "registry.local:5000/dask/dask"))[0].message, /pin a Dask version tag/);
    });
    it("fails mixed tags, listing them", () => {
        const [violation] = unpinnedDaskImages(trio(":2026.6.0"));
        assert.match(violation.message, /different image tags \(dask-scheduler=2026\.6\.0, dask-worker=2024\.1\.0, dask-jupyter=2024\.1\.0\)/);
    });
});

describe("policy: no-default-jupyter-password", () => {
    it("fails the chart's default hash in its ConfigMap", () => {
        const config = {
            kind: "ConfigMap",
            metadata: { name: "dask-jupyter-config" },
            data: { "jupyter_notebook_config.py": "c.NotebookApp.password = 'sha1:aae8550c0a44:9507d45e087d5ee481a5ce9f4f16f37a0867318c'" },
        };
        assert.match(defaultJupyterPassword(config)!, /public default Jupyter password/);
    });
    it("fails any hash of the password dask, whatever its salt", () => {
        const digest = crypto
            .createHash("sha1")
            .update("dask" + "pepper123456")
            .digest("hex");
        assert.match(
            defaultJupyterPassword({ kind: "Secret", metadata: { name: "login" }, stringData: { hash: `sha1:pepper123456:${digest}` } })!,
            /Secret login/,
        );
    });
    it("passes another password's hash and configs without one", () => {
        const digest = crypto
            .createHash("sha1")
            .update("correct horse battery" + "pepper123456")
            .digest("hex");
        assert.equal(defaultJupyterPassword({ kind: "Secret", stringData: { hash: `sha1:pepper123456:${digest}` } }), undefined);
        assert.equal(defaultJupyterPassword({ kind: "ConfigMap", data: { "jupyter_notebook_config.py": "c.NotebookApp.password = ''" } }), undefined);
    });
});

describe("policy: worker-resources-set", () => {
    it("passes workers with requests and limits, and ignores other Deployments", () => {
        assert.equal(workerResourcesMissing(daskDeployment("dask-worker", "worker", "x:1", fullResources).props), undefined);
        assert.equal(workerResourcesMissing(daskDeployment("dask-scheduler", "scheduler", "x:1").props), undefined);
    });
    it("fails workers missing any of them, listing what is missing", () => {
        const message = workerResourcesMissing(daskDeployment("dask-worker", "worker", "x:1", { requests: { cpu: "1" } }).props)!;
        assert.match(message, /missing dask-worker: requests\.memory, dask-worker: limits\.cpu, dask-worker: limits\.memory/);
    });
});

describe("policy: autoscaled-workers-retire", () => {
    const retiring = (name: string): Seen => {
        const d = daskDeployment(name, "worker", "ghcr.io/dask/dask:2024.1.0", fullResources);
        d.props.spec.template.spec.containers[0].lifecycle = { preStop: { exec: { command: ["python", "-c", "..."] } } };
        return d;
    };
    const scaledObject = (target: string, namespace = "dask"): Seen => ({
        type: "kubernetes:keda.sh/v1alpha1:ScaledObject",
        urn: "urn:so",
        props: { metadata: { name: target, namespace }, spec: { scaleTargetRef: { name: target } } },
    });
    it("passes autoscaled workers with a retirement hook, and workers no autoscaler scales", () => {
        assert.deepEqual(autoscaledWorkersWithoutRetirement([retiring("dask-worker"), cpuHpa]), []);
        assert.deepEqual(autoscaledWorkersWithoutRetirement([retiring("dask-worker"), scaledObject("dask-worker")]), []);
        assert.deepEqual(autoscaledWorkersWithoutRetirement([daskDeployment("dask-worker", "worker", "ghcr.io/dask/dask:2024.1.0", fullResources)]), []);
        assert.deepEqual(
            autoscaledWorkersWithoutRetirement([daskDeployment("dask-worker", "worker", "x:1", fullResources), scaledObject("dask-worker", "other")]),
            [],
        );
    });
    it("fails workers an HPA or a ScaledObject removes without retiring them, naming the setting", () => {
        for (const scaler of [cpuHpa, scaledObject("dask-worker")]) {
            const violations = autoscaledWorkersWithoutRetirement([
                daskDeployment("dask-worker", "worker", "ghcr.io/dask/dask:2024.1.0", fullResources),
                scaler,
            ]);
            assert.equal(violations.length, 1);
            assert.equal(violations[0].urn, "urn:dask-worker");
            assert.match(
                violations[0].message,
                /scaled by (HPA|ScaledObject) dask-worker, but its workers stop without retiring.*daskk8s:dask\.workers\.retireTimeoutSeconds above 0/,
            );
        }
    });
});

describe("policy: no-scheduler-on-spot", () => {
    const deployment = (component: string, pod: object) => ({
        metadata: { name: `dask-${component}` },
        spec: { template: { metadata: { labels: { app: "dask", component } }, spec: pod } },
    });
    it("passes the scheduler and notebook on the on-demand pool, and workers on Spot", () => {
        const core = { nodeSelector: { "karpenter.sh/nodepool": "dask-core" } };
        assert.equal(schedulerOnSpot(deployment("scheduler", core)), undefined);
        assert.equal(schedulerOnSpot(deployment("jupyter", { nodeSelector: { "karpenter.sh/capacity-type": "on-demand" } })), undefined);
        const spotWorker = {
            nodeSelector: { "karpenter.sh/capacity-type": "spot" },
            tolerations: [{ key: "daskk8s.io/workers", operator: "Equal", value: "true" }],
        };
        assert.equal(schedulerOnSpot(deployment("worker", spotWorker)), undefined);
        assert.equal(
            schedulerOnSpot({ metadata: { name: "other" }, spec: { template: { metadata: { labels: { app: "web" } }, spec: spotWorker } } }),
            undefined,
        );
    });
    it("fails a scheduler or notebook a Spot node may take, whichever way it gets there", () => {
        const bySelector = schedulerOnSpot(deployment("scheduler", { nodeSelector: { "karpenter.sh/capacity-type": "spot" } }));
        assert.match(
            bySelector!,
            /Deployment dask-scheduler lets the Dask scheduler .* run on Spot capacity \(nodeSelector karpenter.sh\/capacity-type=spot\)/,
        );
        assert.match(bySelector!, /daskk8s:dask.scheduler.placement/);
        assert.match(schedulerOnSpot(deployment("jupyter", { nodeSelector: { "eks.amazonaws.com/capacityType": "SPOT" } }))!, /notebook/);
        const affinity = {
            affinity: {
                nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                        nodeSelectorTerms: [{ matchExpressions: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] }] }],
                    },
                },
            },
        };
        assert.match(schedulerOnSpot(deployment("scheduler", affinity))!, /node affinity karpenter.sh\/capacity-type In \[spot, on-demand\]/);
        assert.match(schedulerOnSpot(deployment("scheduler", { tolerations: [{ key: "daskk8s.io/workers", operator: "Exists" }] }))!, /worker pool's taint/);
        assert.match(schedulerOnSpot(deployment("scheduler", { tolerations: [{ operator: "Exists" }] }))!, /worker pool's taint/);
    });
});

describe("policy: no-wildcard-bucket-access", () => {
    const policy = (statements: object[]) => ({ name: "dask-s3", policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) });
    it("passes grants that name their buckets, and non-S3 statements on *", () => {
        const named = policy([
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::raw-data/*" },
            { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::raw-data", "arn:aws:s3:::results"] },
            { Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: "*" },
            { Effect: "Deny", Action: "s3:*", Resource: "*" },
        ]);
        assert.equal(wildcardBucketAccess("aws:iam/rolePolicy:RolePolicy", named), undefined);
        assert.equal(
            wildcardBucketAccess("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy" }),
            undefined,
        );
        assert.equal(wildcardBucketAccess("kubernetes:core/v1:ConfigMap", named), undefined);
    });
    it("fails S3 actions on *, on bucket patterns, and the account-wide S3 managed policies", () => {
        assert.match(
            wildcardBucketAccess("aws:iam/rolePolicy:RolePolicy", policy([{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }]))!,
            /IAM policy dask-s3 allows s3:GetObject on \*: that reaches buckets nobody listed/,
        );
        assert.match(
            wildcardBucketAccess("aws:iam/policy:Policy", policy([{ Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::data-*/*"] }]))!,
            /s3:\* on arn:aws:s3:::data-\*\/\*/,
        );
        assert.match(
            wildcardBucketAccess("aws:iam/rolePolicy:RolePolicy", policy([{ Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::*" }]))!,
            /\* on arn:aws:s3:::\*/,
        );
        assert.match(
            wildcardBucketAccess("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {
                role: "nodes",
                policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            })!,
            /Role nodes gets arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess, which reaches every S3 bucket/,
        );
    });
    it("passes the policies this project creates: the S3 access role's and Karpenter's", async () => {
        const { s3AccessPolicy } = await import("../components/cluster/S3Access");
        const { karpenterControllerPolicy } = await import("../components/cluster/karpenter");
        const s3 = s3AccessPolicy("aws", [
            { bucket: "raw", prefix: "a/" },
            { bucket: "out", access: "read-write" },
        ]);
        assert.equal(wildcardBucketAccess("aws:iam/rolePolicy:RolePolicy", { policy: s3 }), undefined);
        const karpenter = karpenterControllerPolicy("arn:aws:eks:us-west-2:1:cluster/c", "c", "arn:aws:sqs:us-west-2:1:q", "arn:aws:iam::1:role/n");
        assert.equal(wildcardBucketAccess("aws:iam/rolePolicy:RolePolicy", { policy: karpenter }), undefined);
    });
});
