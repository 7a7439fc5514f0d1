/**
 * Type, range, default and description of every DaskCluster argument, in
 * one place: the checks (daskClusterValidation.ts), the constructor's
 * defaults and the generated docs read them here.
 */
import { z } from "zod";
import { chartSourceSettings } from "../common/chartSource";
import { parseCidr } from "../common/cidr";
import { QUANTITY_TEXT, parseQuantity } from "../common/quantity";
import { accepted, anyText, asText, chartValues, envMap, flag, group, listOf, matching, oneOf, wholeNumber } from "../common/settings";
import { DNS_LABEL, DNS_LABEL_TEXT } from "../common/validation";

/** A ServiceAccount name: a DNS-1123 subdomain. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_SUBDOMAIN_TEXT = "a DNS-1123 subdomain such as dask-worker (lowercase letters, digits, '-' and '.')";
import { workerAutoscalingSettings } from "../scaling/WorkerAutoscaler";
import { DEFAULT_DASK_IMAGE, DEFAULT_DASK_IMAGE_TAG, DEFAULT_NOTEBOOK_IMAGE } from "./daskImage";
import type { ContainerResources } from "./daskValues";
import { SERVICE_TYPES } from "./serviceEndpoint";
import { podPlacementSettings } from "./podPlacement";

/**
 * The dask chart this component is written and tested against (app version
 * 2024.1.0). Newer charts may rename values; change it together with the tests.
 */
export const DASK_CHART = { name: "dask", repository: "https://helm.dask.org", version: "2024.1.1" };

/** Scheduler and notebook requests and limits. */
export const SIDE_RESOURCES: ContainerResources = { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "2Gi" } };
/** Worker requests and limits. */
export const WORKER_RESOURCES: ContainerResources = { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "1", memory: "4Gi" } };

/** The defaults of DaskCluster, in one place. */
export const DASK_CLUSTER_DEFAULTS = {
    namespace: "dask",
    createNamespace: true,
    fullname: "dask",
    serviceType: "ClusterIP",
    workerReplicas: 3,
    retireTimeoutSeconds: 120,
    schedulerWebPort: 80,
    jupyterEnabled: true,
    entrypoints: "auto",
} as const;

// Package specs reach the images' start script unquoted: no whitespace, quotes
// or shell syntax, and no leading "-" (an option, not a package).
export const PIP_SPEC = /^[A-Za-z0-9_][A-Za-z0-9._\-[\],<>=!~*+:/@#%]*$/;
export const CONDA_SPEC = /^[A-Za-z0-9_][A-Za-z0-9._\-<>=!*:/,+]*$/;
export const CONDA_CHANNEL = /^[A-Za-z0-9_][A-Za-z0-9._\-:/]*$/;
export const APT_SPEC = /^[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+:~-]+)?$/;
// A registry host (with an optional port) only before a path: "dask:2024" is a name and a tag.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
export const IMAGE_REPOSITORY = new RegExp(
    `^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\\/)?${PATH_COMPONENT}(?:\\/${PATH_COMPONENT})*$`,
);
/** Object name prefix: a DNS-1123 label that leaves room for "-scheduler" (10 characters). */
export const FULLNAME = /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/;
/** An image tag as registries accept it. */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const quantity = () =>
    z
        .preprocess(
            asText,
            z.string().refine((v) => parseQuantity(v) !== undefined, { error: `must be ${QUANTITY_TEXT}` }),
        )
        .optional();
// One schema for every quantity group and every Service: one place documents them (config/argDocs.ts).
const quantities = group({ cpu: quantity(), memory: quantity() });
const resources = (defaults: ContainerResources) =>
    group(
        {
            requests: quantities,
            limits: quantities,
        },
        { default: defaults },
    );

const exposure = group({
    type: oneOf(SERVICE_TYPES as [string, ...string[]], {
        default: DASK_CLUSTER_DEFAULTS.serviceType,
    }),
    loadBalancerSourceRanges: listOf((c) => parseCidr(c) !== undefined, "a CIDR block such as 203.0.113.0/24"),
});

/** The `workers` group. */
export const daskWorkersSettings = z.strictObject({
    replicas: wholeNumber({ min: 0 }, { default: DASK_CLUSTER_DEFAULTS.workerReplicas }),
    autoscaling: workerAutoscalingSettings.optional(),
    resources: resources(WORKER_RESOURCES),
    threads: wholeNumber({ min: 1 }, { defaultText: "the whole CPUs of the CPU limit, at least 1" }),
    retireTimeoutSeconds: wholeNumber({ min: 0, max: 3600 }, { default: DASK_CLUSTER_DEFAULTS.retireTimeoutSeconds }),
    env: envMap({ default: {} }),
    secretEnv: envMap({ default: {} }),
    placement: podPlacementSettings(),
    serviceAccountName: matching(DNS_SUBDOMAIN, DNS_SUBDOMAIN_TEXT, {
        defaultText: "none: the namespace's `default` ServiceAccount",
    }),
    maxUnavailable: wholeNumber({ min: 1 }, { defaultText: "none: no PodDisruptionBudget" }),
});

/** The `jupyter` group. */
export const daskJupyterSettings = z.strictObject({
    enabled: flag({ default: DASK_CLUSTER_DEFAULTS.jupyterEnabled }),
    password: anyText({
        defaultText: "a generated 24-character password",
    }),
    service: exposure,
    resources: resources(SIDE_RESOURCES),
    secretEnv: envMap({ default: {} }),
    placement: podPlacementSettings(),
});

/** Every DaskCluster argument. */
export const daskClusterSettings = z.strictObject({
    namespace: matching(DNS_LABEL, DNS_LABEL_TEXT, { default: DASK_CLUSTER_DEFAULTS.namespace }),
    createNamespace: flag({
        default: DASK_CLUSTER_DEFAULTS.createNamespace,
    }),
    // "-scheduler" (10 characters) is appended to it.
    fullname: matching(FULLNAME, "a DNS-1123 label of at most 53 characters", {
        default: DASK_CLUSTER_DEFAULTS.fullname,
    }),
    chart: chartSourceSettings(`dask ${DASK_CHART.version} from ${DASK_CHART.repository}`),
    image: group({
        repository: matching(IMAGE_REPOSITORY, "an image repository such as ghcr.io/dask/dask (no tag)", {
            default: DEFAULT_DASK_IMAGE,
        }),
        notebookRepository: matching(IMAGE_REPOSITORY, "an image repository such as ghcr.io/dask/dask-notebook (no tag)", {
            default: DEFAULT_NOTEBOOK_IMAGE,
        }),
        tag: accepted((t) => IMAGE_TAG.test(t), "a non-empty image tag such as 2024.1.0", {
            default: DEFAULT_DASK_IMAGE_TAG,
        }),
        entrypoints: oneOf(["auto", "legacy", "subcommand"], {
            default: DASK_CLUSTER_DEFAULTS.entrypoints,
        }),
    }),
    scheduler: group({
        service: exposure,
        resources: resources(SIDE_RESOURCES),
        placement: podPlacementSettings(),
    }),
    workers: daskWorkersSettings.optional(),
    packages: group({
        pip: listOf(PIP_SPEC, "a pip requirement such as dask-ml==2024.4.4 (no spaces, quotes or options)", {
            default: [],
        }),
        conda: listOf(CONDA_SPEC, "a conda spec such as numba or xarray>=2024.1 (no spaces, quotes or options)", {
            default: [],
        }),
        condaChannels: listOf(CONDA_CHANNEL, "a conda channel name or URL such as conda-forge", {
            default: [],
        }),
        apt: listOf(APT_SPEC, "a Debian package name such as graphviz or graphviz=2.42.2-7", {
            default: [],
        }),
    }),
    jupyter: daskJupyterSettings.optional(),
    values: chartValues({ default: {} }),
});
