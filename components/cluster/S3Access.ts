import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { z } from "zod";
import { schemaIssues } from "../common/settings";
import { ArgIssue, IssueList, throwIfInvalid } from "../common/validation";
import { BucketAccess, eksTargetSettings } from "./eksTargetSettings";
import { POD_IDENTITY_TRUST } from "./podIdentity";

export { BucketAccess } from "./eksTargetSettings";

export interface S3AccessArgs {
    /** The EKS cluster whose pods get the access. */
    clusterName: pulumi.Input<string>;
    /** The cluster's ARN: its partition names the buckets (`arn:aws:s3:::…`). */
    clusterArn: pulumi.Input<string>;
    /** Namespace of the ServiceAccounts. */
    namespace: pulumi.Input<string>;
    /** ServiceAccounts bound to the role (the workers', the notebook's); they need not exist yet. */
    serviceAccounts: string[];
    /** The buckets, each read or read-write, optionally under a key prefix. */
    buckets: BucketAccess[];
    /** Tags for the IAM role and associations. @default {} */
    tags?: Record<string, string>;
}

/** The IAM actions of each access level: on the bucket itself, and on its objects. */
export const S3_ACTIONS = {
    read: { bucket: ["s3:ListBucket", "s3:GetBucketLocation"], objects: ["s3:GetObject"] },
    "read-write": {
        bucket: ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
        objects: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
    },
} as const;

/** The role's policy: every grant names its bucket (and prefix); nothing is `*`. */
export function s3AccessPolicy(partition: string, buckets: BucketAccess[]): string {
    const statements = buckets.flatMap((grant, i) => {
        const actions = S3_ACTIONS[grant.access ?? "read"];
        const bucketArn = `arn:${partition}:s3:::${grant.bucket}`;
        const listing = grant.prefix === undefined ? {} : { Condition: { StringLike: { "s3:prefix": [`${grant.prefix}*`] } } };
        // Only listing carries the requested prefix (`s3:prefix`); the other bucket actions would be denied under that condition.
        return [
            { Sid: `List${i}`, Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn, ...listing },
            { Sid: `Bucket${i}`, Effect: "Allow", Action: actions.bucket.filter((a) => a !== "s3:ListBucket"), Resource: bucketArn },
            { Sid: `Objects${i}`, Effect: "Allow", Action: [...actions.objects], Resource: `${bucketArn}/${grant.prefix ?? ""}*` },
        ];
    });
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

const s3AccessSettings = z.strictObject({
    buckets: eksTargetSettings.shape.s3Access,
    serviceAccounts: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "must be a ServiceAccount name" })),
});

/** Every problem with S3Access args. */
export function validateS3AccessArgs(args: S3AccessArgs): ArgIssue[] {
    const issues = schemaIssues(s3AccessSettings, { buckets: args.buckets, serviceAccounts: args.serviceAccounts });
    if (issues.length > 0) {
        return issues;
    }
    const list = new IssueList();
    if (args.buckets.length === 0) {
        list.add("buckets", args.buckets, "must list at least one bucket (without any, create no S3Access)");
    }
    if (args.serviceAccounts.length === 0) {
        list.add("serviceAccounts", args.serviceAccounts, "must list at least one ServiceAccount");
    }
    return list.issues;
}

/**
 * Read or read-write access to listed S3 buckets for pods of given
 * ServiceAccounts, through EKS Pod Identity: one IAM role, trusted by the
 * Pod Identity service only, and an association per ServiceAccount. The
 * nodes' role gets nothing. Pods started before the association exists get
 * no credentials: create it before the pods (the stack does).
 */
export class S3Access extends pulumi.ComponentResource {
    /** ARN of the role the pods assume. */
    public readonly roleArn: pulumi.Output<string>;
    /** The ServiceAccounts bound to it, `<namespace>/<name>`. */
    public readonly boundServiceAccounts: pulumi.Output<string[]>;

    constructor(name: string, args: S3AccessArgs, opts?: pulumi.ComponentResourceOptions) {
        throwIfInvalid("S3Access", name, validateS3AccessArgs(args));
        super("daskk8s:index:S3Access", name, {}, opts);
        const tags = args.tags ?? {};
        const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: POD_IDENTITY_TRUST, tags }, { parent: this });
        const policy = new aws.iam.RolePolicy(
            `${name}-buckets`,
            { role: role.name, policy: pulumi.output(args.clusterArn).apply((arn) => s3AccessPolicy(arn.split(":")[1], args.buckets)) },
            { parent: this },
        );
        for (const serviceAccount of args.serviceAccounts) {
            new aws.eks.PodIdentityAssociation(
                `${name}-${serviceAccount}`,
                { clusterName: args.clusterName, namespace: args.namespace, serviceAccount, roleArn: role.arn, tags },
                // Credentials that work from the first pod on.
                { parent: this, dependsOn: [policy] },
            );
        }
        this.roleArn = role.arn;
        this.boundServiceAccounts = pulumi.output(args.namespace).apply((ns) => args.serviceAccounts.map((sa) => `${ns}/${sa}`));
        this.registerOutputs({ roleArn: this.roleArn, boundServiceAccounts: this.boundServiceAccounts });
    }
}
