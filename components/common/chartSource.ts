import * as fs from "fs";
import * as k8s from "./kubernetes";
import { anyText, group, matching } from "./settings";
import { IssueList } from "./validation";

/**
 * Where a Helm chart comes from: its public repository and version (the
 * default), or a local chart for air-gapped installs.
 */
export interface ChartSource {
    /**
     * Chart repository URL. Ignored when `path` is set.
     * @default the upstream repository of the chart
     */
    repository?: string;
    /**
     * Chart version to pull from `repository`.
     * @default the version this component is tested with
     */
    version?: string;
    /**
     * A local chart: a packaged `.tgz` or an unpacked chart directory. When
     * set, nothing is downloaded.
     */
    path?: string;
}

/** The settings of a chart source; `defaultChart` says which chart and version the default is. */
// Shared by every chart source, so that one place documents them (config/argDocs.ts).
const chartSourceShape = {
    repository: matching(/^(https?|oci):\/\/\S+$/, "an http(s):// or oci:// URL", { defaultText: "the chart's upstream repository" }),
    version: matching(/^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$/, "an exact chart version such as 1.2.3 (ranges would let the chart change under you)", {
        defaultText: "the version this component is tested with",
    }),
    path: anyText(),
};

export function chartSourceSettings(defaultChart: string) {
    return group(chartSourceShape, { defaultText: defaultChart });
}

/** Checks what the settings cannot: a local chart alone, and that it exists. `prefix` is the argument's path, e.g. `chart`. */
export function checkChartSource(issues: IssueList, prefix: string, source: ChartSource | undefined): void {
    if (source === undefined) {
        return;
    }
    if (source.path !== undefined) {
        if (source.repository !== undefined || source.version !== undefined) {
            issues.add(
                `${prefix}.path`,
                source.path,
                `cannot be combined with {{${prefix}.repository}} or {{${prefix}.version}}: a local chart has its own version`,
            );
        }
        if (!fs.existsSync(source.path)) {
            issues.add(`${prefix}.path`, source.path, "must be an existing chart .tgz file or chart directory");
        } else if (fs.statSync(source.path).isFile() && !source.path.endsWith(".tgz")) {
            issues.add(`${prefix}.path`, source.path, "must be a packaged chart (.tgz) or a chart directory");
        }
    }
}

/** The Chart args that select the chart. */
export function chartLocation(
    chartName: string,
    defaults: { repository: string; version: string },
    source: ChartSource | undefined,
): Pick<k8s.helm.v4.ChartArgs, "chart" | "version" | "repositoryOpts"> {
    if (source?.path !== undefined) {
        return { chart: source.path };
    }
    const repository = source?.repository ?? defaults.repository;
    const version = source?.version ?? defaults.version;
    // An OCI registry has no index to look a name up in: the chart is addressed by its full reference.
    if (repository.startsWith("oci://")) {
        return { chart: `${repository.replace(/\/+$/, "")}/${chartName}`, version };
    }
    return { chart: chartName, version, repositoryOpts: { repo: repository } };
}
