import * as assert from "node:assert/strict";
import { closest, didYouMean, editDistance } from "../../components/suggest";

describe("cli: did you mean (edit distance)", () => {
    it("counts insertions, deletions, substitutions and swapped neighbours as one edit each, ignoring case", () => {
        assert.equal(editDistance("glueDatabse", "glueDatabase"), 1);
        assert.equal(editDistance("tabel", "table"), 1);
        assert.equal(editDistance("stak", "stack"), 1);
        assert.equal(editDistance("prd", "prod"), 1);
        assert.equal(editDistance("GLUEDATABASE", "glueDatabase"), 0);
        assert.equal(editDistance("", "abc"), 3);
        assert.equal(editDistance("kitten", "sitting"), 3);
    });

    it("suggests the nearest candidate only when it could be a typo of the word", () => {
        assert.equal(closest("glueDatabse", ["exportPrefix", "glueDatabase", "snowflakeDatabase"]), "glueDatabase");
        assert.equal(closest("partition", ["name", "columns", "partitionBy", "partitionGranularity"]), "partitionBy");
        assert.equal(closest("prd", ["dev", "prod"]), "prod");
        assert.equal(closest("bucketName", ["production", "exportPrefix", "glueDatabase"]), undefined);
        assert.equal(closest("x", ["stack", "table"]), undefined);
        assert.equal(closest("stack", ["stack"]), undefined, "nothing to suggest for a known word");
    });

    it("says it as (did you mean ...?)", () => {
        assert.equal(
            didYouMean("stak", ["stack", "table"], (c) => `--${c}`),
            " (did you mean --stack?)",
        );
        assert.equal(didYouMean("zzz", ["stack"]), "");
    });
});
