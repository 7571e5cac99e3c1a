/** A program that brings its own KMS key (an Output of another resource) to the lake. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { IncrementalLake } from "../../components/index";
import { readArgs } from "../../config";

const key = new aws.kms.Key("organisation-key", { description: "the organisation's data key" });
const lake = new IncrementalLake(`${pulumi.getProject()}-${pulumi.getStack()}`, {
    ...readArgs(pulumi.runtime.allConfig()),
    kmsKeyArn: key.arn,
});

export const keyArn = key.arn;
export const lakeKeyArn = lake.kmsKeyArn;
