/**
 * What the policy documents of every stage share: the document shape and its small builders, as
 * pure functions of ARNs and names. Each stage folder keeps its own documents beside its resources.
 */
export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

export const doc = (...statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/** `arn:aws:s3:::bucket/prefix/*` for a key prefix without a trailing slash. */
export const objectsUnder = (bucketArn: string, prefix: string) => `${bucketArn}/${prefix}/*`;

/** The principal of a whole AWS account: its IAM policies decide which of its identities act. */
export const accountPrincipal = (account: string, partition = "aws") => `arn:${partition}:iam::${account}:root`;

/**
 * Accounts that share the same set of things (tables, locations, endpoints), each set once: one
 * statement per distinct set keeps a policy small as readers are added. Sorted, so the document is
 * the same whatever the configuration's order.
 */
export function groupByGrants(grants: ReadonlyArray<{ account: string; items: string[] }>): { accounts: string[]; items: string[] }[] {
    const byItems = new Map<string, { accounts: string[]; items: string[] }>();
    for (const g of grants) {
        const items = [...new Set(g.items)].sort();
        if (items.length === 0) continue;
        const key = items.join("\n");
        const group = byItems.get(key) ?? { accounts: [], items };
        if (!group.accounts.includes(g.account)) group.accounts.push(g.account);
        byItems.set(key, group);
    }
    return [...byItems.values()]
        .map((g) => ({ ...g, accounts: g.accounts.sort() }))
        .sort((x, y) => x.accounts[0].localeCompare(y.accounts[0]) || x.items[0].localeCompare(y.items[0]));
}

/** Trust policy of a role assumed by an AWS service. */
export function serviceTrustPolicy(service: string): PolicyDocument {
    return doc({ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" });
}

/**
 * The statement that lets a role use the lake key, when the lake has one (SSE-S3 lakes need none):
 * by default to write and read what it encrypts (`kms:GenerateDataKey`, `kms:Decrypt`).
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-services.html
 */
export function keyUse(
    sid: string,
    kmsKeyArn: string | undefined,
    action: string | string[] = ["kms:GenerateDataKey", "kms:Decrypt"],
): Statement[] {
    return kmsKeyArn ? [{ Sid: sid, Effect: "Allow", Action: action, Resource: kmsKeyArn }] : [];
}
