/**
 * A program that declares the lake as a program in another language does: through the component
 * provider's `construct`, with the stack's settings as plain inputs (as a generated SDK sends them).
 */
import * as pulumi from "@pulumi/pulumi";
import { componentProvider } from "../../components/component-provider";
import { readArgs } from "../../config";

const args = readArgs(pulumi.runtime.allConfig()) as unknown as pulumi.Inputs;
const constructed = componentProvider().construct(
    `${pulumi.getProject()}-${pulumi.getStack()}`,
    "incremental-crawl:index:IncrementalLake",
    args,
    {},
);

export const urn = constructed.then((r) => r.urn);
export const state = constructed.then((r) => r.state);
