/**
 * What every part of one lake shares, made once by `IncrementalLake` and handed to each child
 * component, as pulumi-eks hands its cluster's `CoreData` to node groups: the account, region and
 * partition the lake is in, its key, whether it keeps its data, the prefix of its names, and its
 * validated settings. A child reads what it needs from it; its own args carry only what is its own
 * (its resources' inputs from siblings, its table). Pure builders (policy documents, SQL) never see
 * it: they take plain values.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { LakeSettings } from "./types";

export interface LakeContext {
    /** The lake's name, `<project>-<stack>`: the prefix of its physical names. */
    namePrefix: string;
    accountId: pulumi.Output<string>;
    /** The lake's region (the provider's). */
    region: pulumi.Output<string>;
    partition: pulumi.Output<string>;
    /** The lake key (the program's own or the lake's); undefined with `sse-s3`. */
    kmsKeyArn?: pulumi.Output<string>;
    /** A production lake: its data (buckets, keys, databases, tables) stays on `pulumi destroy`. */
    retain: boolean;
    settings: LakeSettings;
}

/** Where Athena writes results in the lake bucket (outside the export prefix: no events). */
export const ATHENA_RESULTS_PREFIX = "athena-results";
