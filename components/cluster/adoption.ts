/**
 * Adopting objects that already exist in the cluster. The Kubernetes provider
 * applies objects server-side, so creating one whose name is taken updates
 * it, unless another field manager owns fields with other values: then it
 * stops with "Server-Side Apply field conflict". That happens after a killed
 * run when the config changed before the rerun. `adoptExisting` makes the
 * provider force its values over those fields: the provider's
 * `enablePatchForce` (any language), and, for TypeScript programs that pass
 * the target's `transforms`, the `pulumi.com/patchForce` annotation on every
 * object, which also works with provider builds that predate that option.
 */
import * as pulumi from "@pulumi/pulumi";
import { withAnnotation } from "../common/annotations";
import { flag } from "../common/settings";

/** The provider's per-object switch for forcing server-side apply conflicts. */
export const PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce";

/** Shared by the cluster targets. */
export interface AdoptionArgs {
    /**
     * Take over Kubernetes objects of the same name that exist already, also
     * where another field manager set their fields (server-side apply with
     * force, the `pulumi.com/patchForce` annotation on every object). For one
     * run, to adopt what a killed run left behind after the config changed
     * (docs/operations.md, "If a run was interrupted"). The risk: an object someone else
     * made under the same name is taken over, its fields overwritten, and it
     * is deleted on `destroy`. Turning it off again updates every object once
     * where the annotation was set (pods reading a changed Secret restart).
     * @default false
     */
    adoptExisting?: boolean;
}

/** The `adoptExisting` setting. */
export const adoptExistingSetting = flag({
    default: false,
});

/**
 * Adds the force annotation to every Kubernetes object (not to charts and
 * providers, which are no objects in the cluster).
 */
export const adoptExistingTransform: pulumi.ResourceTransform = (args) => {
    if (!args.custom || !args.type.startsWith("kubernetes:") || args.type.startsWith("kubernetes:helm.sh/") || args.type.startsWith("kubernetes:yaml")) {
        return undefined;
    }
    const props = args.props as { metadata?: { annotations?: Record<string, unknown> } };
    if (props.metadata === undefined || typeof props.metadata !== "object") {
        return undefined;
    }
    return { props: withAnnotation(props, PATCH_FORCE_ANNOTATION, "true"), opts: args.opts };
};

/** The provider settings for the args: `enablePatchForce` when adopting. */
export function patchForce(args: AdoptionArgs): { enablePatchForce?: boolean } {
    return args.adoptExisting === true ? { enablePatchForce: true } : {};
}

/** The transforms a cluster target hands to what is deployed on it. */
export function adoptionTransforms(args: AdoptionArgs): pulumi.ResourceTransform[] {
    return args.adoptExisting === true ? [adoptExistingTransform] : [];
}
