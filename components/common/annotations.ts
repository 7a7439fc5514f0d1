/** A Kubernetes object's props with one more metadata annotation (a copy; the rest unchanged). */
export function withAnnotation<T extends { metadata?: { annotations?: Record<string, unknown> } }>(props: T, key: string, value: string): T {
    return { ...props, metadata: { ...props.metadata, annotations: { ...props.metadata?.annotations, [key]: value } } };
}
