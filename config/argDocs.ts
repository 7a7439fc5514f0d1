/**
 * The TSDoc of the components' args interfaces, read with the TypeScript
 * compiler: the one place a component argument is described (editors,
 * components/schema.json for other languages, and the settings tables of
 * docs/configuration.md). Used when generating docs and by the tests, never by
 * the program itself.
 */
import * as path from "path";
import * as ts from "typescript";
import { z } from "zod";
import { objectIn } from "../components/common/settings";
import { eksTargetSettings } from "../components/cluster/eksTargetSettings";
import { kubeconfigTargetSettings } from "../components/cluster/KubeconfigTarget";
import { daskClusterSettings, daskJupyterSettings, daskWorkersSettings } from "../components/dask/daskClusterSettings";
import { metricsServerSettings } from "../components/scaling/MetricsServer";
import { kedaSettings } from "../components/scaling/Keda";
import { workerAutoscalingSettings } from "../components/scaling/WorkerAutoscaler";

const COMPONENTS = path.join(__dirname, "..", "components");

const scheduler = objectIn(daskClusterSettings.shape.scheduler)!.shape;

/** Each args interface and the settings schema of the same object. */
export const ARG_INTERFACES: [string, z.ZodType][] = [
    ["DaskClusterArgs", daskClusterSettings],
    ["DaskImageArgs", daskClusterSettings.shape.image],
    ["DaskSchedulerArgs", daskClusterSettings.shape.scheduler],
    ["DaskWorkersArgs", daskWorkersSettings],
    ["DaskJupyterArgs", daskJupyterSettings],
    ["ExtraPackages", daskClusterSettings.shape.packages],
    ["ServiceExposure", scheduler.service as z.ZodType],
    ["ContainerResources", scheduler.resources as z.ZodType],
    ["ResourceQuantities", objectIn(scheduler.resources as z.ZodType)!.shape.requests as z.ZodType],
    ["ChartSource", daskClusterSettings.shape.chart],
    ["WorkerAutoscalingArgs", workerAutoscalingSettings],
    ["ScaleDownArgs", workerAutoscalingSettings.shape.scaleDown],
    ["MetricsServerArgs", metricsServerSettings],
    ["KedaArgs", kedaSettings],
    ["KubeconfigTargetArgs", kubeconfigTargetSettings],
    ["EksTargetArgs", eksTargetSettings],
    ["EksNetworkArgs", eksTargetSettings.shape.network],
    ["EksNodeLimits", eksTargetSettings.shape.nodeLimits],
];

export interface DocumentedProperty {
    name: string;
    /** The TSDoc text without its tags, on one line. */
    description: string;
    /** The `@default` text, if any. */
    defaultText?: string;
    /** What kind of value it takes (`pulumi.Input<T>` counts as T). */
    kind: ValueKind;
}

export type ValueKind = "number" | "string" | "boolean" | "list" | "object";

/** The kind of a property's type, ignoring `undefined` and the Output/Promise sides of `pulumi.Input`. */
function kindOf(type: ts.Type, checker: ts.TypeChecker): ValueKind {
    const parts = (type.isUnion() ? type.types : [type]).filter((t) => {
        const name = t.getSymbol()?.getName();
        return !(t.flags & ts.TypeFlags.Undefined) && name !== "Promise" && name !== "OutputInstance" && name !== "Output" && !/^Lifted/.test(name ?? "");
    });
    const flags = parts.reduce((all, t) => all | t.flags, 0);
    if (flags & ts.TypeFlags.NumberLike) {
        return "number";
    }
    if (flags & ts.TypeFlags.StringLike) {
        return "string";
    }
    if (flags & ts.TypeFlags.BooleanLike) {
        return "boolean";
    }
    return parts.some((t) => checker.isArrayType(t)) ? "list" : "object";
}

/** Every interface in components/, with its own and inherited properties, their TSDoc and `@default`. */
export function documentedInterfaces(): Map<string, DocumentedProperty[]> {
    const program = ts.createProgram([path.join(COMPONENTS, "index.ts"), path.join(COMPONENTS, "eks.ts")], { strict: true, noResolve: false, types: [] });
    const checker = program.getTypeChecker();
    const found = new Map<string, DocumentedProperty[]>();
    for (const file of program.getSourceFiles().filter((f) => f.fileName.startsWith(COMPONENTS))) {
        ts.forEachChild(file, (node) => {
            if (!ts.isInterfaceDeclaration(node)) {
                return;
            }
            const type = checker.getTypeAtLocation(node);
            found.set(
                node.name.text,
                type.getProperties().map((symbol) => {
                    const tag = symbol.getJsDocTags(checker).find((t) => t.name === "default");
                    return {
                        name: symbol.getName(),
                        description: ts.displayPartsToString(symbol.getDocumentationComment(checker)).replace(/\s+/g, " ").trim(),
                        defaultText: tag === undefined ? undefined : ts.displayPartsToString(tag.text).replace(/\s+/g, " ").trim(),
                        kind: kindOf(checker.getTypeOfSymbolAtLocation(symbol, node), checker),
                    };
                }),
            );
        });
    }
    return found;
}

/** The TSDoc description of every schema node that is an args property. */
export function argDescriptions(): Map<z.ZodType, string> {
    const interfaces = documentedInterfaces();
    const descriptions = new Map<z.ZodType, string>();
    for (const [name, schema] of ARG_INTERFACES) {
        const shape = objectIn(schema)?.shape ?? {};
        for (const property of interfaces.get(name) ?? []) {
            const node = shape[property.name] as z.ZodType | undefined;
            if (node !== undefined && property.description !== "") {
                descriptions.set(node, property.description);
            }
        }
    }
    return descriptions;
}
