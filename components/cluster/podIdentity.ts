/** EKS Pod Identity, shared by the roles of Karpenter and of S3Access. */

/** Trust for EKS Pod Identity: the agent assumes the role for a bound ServiceAccount. */
export const POD_IDENTITY_TRUST = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
});
