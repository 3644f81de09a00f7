/* Generated from openapi.yaml by `npm run openapi` (openapi-typescript); do not edit. */
export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness and database check (no auth: ok or not; an admin token also sees what is loaded)
         * @description Answers 200 when the server is up and its database answers, 503 otherwise (also when the database files were deleted or replaced under the server). Needs no token; with an admin token it also gives the version, the uptime and the sketches loaded.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics (admin)
         * @description Request counts and latencies, scan pool queue depth, sketches in memory and ε spent per dataset, in the Prometheus text format.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List tokens (admin; never secrets)
         * @description Every token, revoked ones included, without secrets.
         */
        get: operations["listTokens"];
        put?: never;
        /**
         * Create a token (admin); the secret is shown once. Analyst tokens may be limited to datasets, each with an ε quota
         * @description Creates an admin or analyst token, optionally limited to some datasets (each with an optional ε quota). Only a hash of the secret is stored.
         */
        post: operations["createToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tokens/self": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The calling token: its role and the datasets it may see (never its secret)
         * @description Lets a client find out what its token may do.
         */
        get: operations["getSelfToken"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke a token (admin)
         * @description Revokes the token at once; it stays listed with its revocation time.
         */
        delete: operations["revokeToken"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the datasets this token may see
         * @description Admin tokens see every dataset; analyst tokens only those they were granted.
         */
        get: operations["listDatasets"];
        put?: never;
        /**
         * Create a dataset (admin)
         * @description Creates an empty dataset of `bits`-bit records with a total ε budget. Records are uploaded next (POST …/records).
         */
        post: operations["createDataset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Dataset details, sketches, budget and privacy statement
         * @description The dataset, its sketches, its budget and the privacy statement of everything released from it so far.
         */
        get: operations["getDataset"];
        put?: never;
        post?: never;
        /**
         * Delete a dataset, its records and sketches (admin); its ledger stays
         * @description Deletes the records and sketches. The name is free at once; the answer comes once the rows (removed in short steps that leave other writers the lock) and their bits in the write-ahead log are gone. The ledger rows stay, so ε spent on the name is never forgotten.
         */
        delete: operations["deleteDataset"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/budget": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Budget, spend and the append-only ledger; spend per principal (admin) or the token quota (analyst)
         * @description ε budget, spent and remaining (as numbers and exact integer micro-ε), every ledger row, the ε spent per principal (admin tokens) or the calling token's own quota (analyst tokens).
         */
        get: operations["getBudget"];
        /**
         * Set the total ε budget (admin; leaves a ledger row)
         * @description Sets the total ε budget; it may not go below what is already spent (409 conflict).
         */
        put: operations["setBudget"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The ledgers of every dataset that bore a name, deleted ones included (admin): the audit trail outlives the dataset
         * @description Every identity that bore the name, oldest first, with its ledger rows; `deleted=true` keeps only the deleted ones.
         */
        get: operations["getLedgers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/records": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upload records (admin): JSON, NDJSON, text, CSV or packed octet-stream; all or nothing
         * @description Appends records to the dataset. A bad record (named by index and id, never by its bits) refuses the whole upload.
         */
        post: operations["uploadRecords"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/sketches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List sketches
         * @description Every sketch of the dataset with its status, ε and size.
         */
        get: operations["listSketches"];
        put?: never;
        /**
         * Build a private sketch (admin): ε is debited before any noise is drawn; 202 with a job
         * @description Debits ε from the budget (409 budget-exhausted when it would be exceeded), then builds in the background. Poll Location until status is ready.
         */
        post: operations["buildSketch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/sketches:estimate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Dry run: ε cost, bytes per record, predicted sd at 0, k/2, k, and the smallest ε for a target sd. Charges nothing.
         * @description Plans a sketch without building it or charging anything: its size, its predicted error and, with targetSd, the smallest ε that reaches it.
         */
        post: operations["estimateSketch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/sketches/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Sketch status and progress
         * @description Poll this (the Location of the 202) until status is ready or failed.
         */
        get: operations["getSketch"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/query": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Estimated distances from a query string to every record (sketch: free; geometric: charged)
         * @description Estimates with confidence intervals, nearest first. On a sketch (default) it is free post-processing; the geometric mechanism charges ε per query before any noise (409 budget-exhausted when over budget).
         */
        post: operations["query"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/query:batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Many query strings in one call, sharing options (geometric batches are charged in total, up front)
         * @description One answer per query string, in order. A geometric batch is charged in one debit for all its queries, or not at all.
         */
        post: operations["queryBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/linkage-runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List linkage runs
         * @description Every linkage run of the dataset, newest first.
         */
        get: operations["listLinkageRuns"];
        put?: never;
        /**
         * Start a linkage run with the other party's records (free: post-processing of the sketch); 202 with Location
         * @description Options in the query string; the body is the other party's records in any upload format. Charges no ε.
         */
        post: operations["createLinkageRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/linkage-runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Status and progress (queries compared, pairs compared, pairs/s, ETA)
         * @description Poll this (the Location of the 202) until status is completed or failed.
         */
        get: operations["getLinkageRun"];
        put?: never;
        post?: never;
        /**
         * Delete a run and its results
         * @description Deletes the run and its candidate pairs.
         */
        delete: operations["deleteLinkageRun"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/linkage-runs/{id}/result": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Candidate pairs and, after greedy, one-to-one groups: JSON (anonlink-shaped), or CSV with Accept: text/csv
         * @description The result of a completed run (409 conflict while it is not completed).
         */
        get: operations["getLinkageResult"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{name}/linkage-runs/{id}/rerun": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a failed run again (e.g. one interrupted by a restart)
         * @description Only a failed run can be started again (409 conflict otherwise).
         */
        post: operations["rerunLinkageRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @example {
         *       "metric": "hamming",
         *       "queries": [
         *         "1010101010101010",
         *         "0000000000000000"
         *       ],
         *       "top": 5
         *     }
         */
        BatchQueryRequest: {
            /** @enum {string} */
            metric: "hamming" | "edit";
            /**
             * @default binary
             * @enum {string}
             */
            encoding?: "binary" | "hex" | "base64";
            /**
             * @default sketch
             * @enum {string}
             */
            mechanism?: "sketch" | "geometric";
            sketch?: string;
            epsilon?: number | string;
            /** @description edit-distance cap for the geometric mechanism (default 64) */
            k?: number;
            /** @default 100 */
            top?: number;
            maxDistance?: number;
            /** @default 0.95 */
            confidence?: number;
            /** @default false */
            simultaneous?: boolean;
            /**
             * @description Hamming sketches with released popcounts: answer Dice or Jaccard similarity, ranked by it (best first)
             * @enum {string}
             */
            similarity?: "dice" | "jaccard";
            /** @description with similarity: only records whose similarity estimate is at least this */
            minSimilarity?: number;
            queries: string[];
        };
        BatchQueryResponse: {
            epsilonCharged: number;
            answers: components["schemas"]["QueryResponse"][];
        };
        Budget: {
            dataset: string;
            epsilonBudget: number;
            spent: number;
            remaining: number;
            epsilonBudgetMicro: number;
            spentMicro: number;
            remainingMicro: number;
            /** @description admin tokens: ε spent per principal, with each token quota */
            principals?: {
                /** @description null: the local operator (the CLI on the database file) */
                tokenId: string | null;
                label: string | null;
                spent: number;
                spentMicro: number;
                epsilonQuota: number | null;
                remaining: number | null;
            }[];
            /** @description analyst tokens: this token's own quota on the dataset (null: none) */
            quota?: {
                epsilonQuota: number;
                spent: number;
                remaining: number;
                epsilonQuotaMicro: number;
                spentMicro: number;
                remainingMicro: number;
            } | null;
            ledger: {
                id: number;
                at: string;
                kind: string;
                epsilon: number;
                tokenId: string | null;
                details: {
                    [key: string]: unknown;
                };
            }[];
        };
        /**
         * @description anonlink's upload shape
         * @example {
         *       "clks": [
         *         "qqo=",
         *         "VVU="
         *       ]
         *     }
         */
        ClksUpload: {
            /** @description base64 CLKs of ceil(n/8) bytes, records numbered by position */
            clks: string[];
        };
        /**
         * @example {
         *       "name": "people",
         *       "bits": 16,
         *       "epsilonBudget": 10
         *     }
         */
        CreateDataset: {
            name: string;
            bits: number;
            /** @default 1 */
            unitBits?: number;
            epsilonBudget: number | string;
            /** @default false */
            retainRaw?: boolean;
            /**
             * @default [
             *       "hamming",
             *       "edit"
             *     ]
             */
            metrics?: ("hamming" | "edit")[];
        };
        /**
         * @example {
         *       "role": "analyst",
         *       "datasets": [
         *         "people"
         *       ],
         *       "label": "analyst of people"
         *     }
         */
        CreateToken: {
            /** @enum {string} */
            role: "admin" | "analyst";
            /** @description analyst tokens: the datasets (existing ones, by name) the token may use, each with an optional quota; omitted: all datasets, no quota */
            datasets?: (string | {
                name: string;
                /** @description most ε this token may be charged on the dataset (default: no quota) */
                epsilonQuota?: number | string;
            })[];
            label?: string;
        };
        DatasetDetail: {
            name: string;
            bits: number;
            unitBits: number;
            records: number;
            retainRaw: boolean;
            rawDeleted: boolean;
            metrics: ("hamming" | "edit")[];
            createdAt: string;
            budget: {
                epsilonBudget: number;
                spent: number;
                remaining: number;
            };
            sketches: {
                id: string;
                metric: string;
                mechanism: string;
                status: string;
                epsilon: number;
                k: number;
                records: number;
            }[];
            privacy: components["schemas"]["PrivacyReport"];
        };
        DatasetSummary: {
            name: string;
            bits: number;
            unitBits: number;
            records: number;
            retainRaw: boolean;
            rawDeleted: boolean;
            metrics: ("hamming" | "edit")[];
            createdAt: string;
        };
        Health: {
            /**
             * @description always "ok" when the server answers
             * @constant
             */
            status: "ok";
            /** @description the server version (admin tokens only) */
            version?: string;
            /** @description seconds since the process started (admin tokens only) */
            uptimeSeconds?: number;
            /** @description sketches held in memory (admin tokens only) */
            sketchesLoaded?: number;
        };
        /** @description the ledgers of every dataset that bore a name, oldest first */
        IdentityLedgers: {
            datasets: {
                dataset: string;
                deleted: boolean;
                createdAt: string | null;
                deletedAt: string | null;
                epsilonBudget: number | null;
                spent: number;
                ledger: {
                    id: number;
                    at: string;
                    kind: string;
                    epsilon: number;
                    tokenId: string | null;
                    details: {
                        [key: string]: unknown;
                    };
                }[];
            }[];
        };
        LinkageResult: {
            run: string;
            /** @enum {string} */
            similarity: "dice" | "jaccard";
            threshold: number;
            /** @enum {string} */
            solve: "none" | "greedy";
            /** @description anonlink-entity-service's similarity_scores: [[0, i], [1, j], score], best first */
            similarity_scores: [
                [
                    number,
                    number
                ],
                [
                    number,
                    number
                ],
                number
            ][];
            /** @description after greedy: anonlink-entity-service's groups, one [[0, i], [1, j]] per one-to-one match */
            groups?: [
                number,
                number
            ][][];
            pairs: {
                queryIndex: number;
                queryId: string;
                recordIndex: number;
                recordId: string;
                score: number;
                low: number;
                high: number;
                matched: boolean;
            }[];
        };
        LinkageRun: {
            id: string;
            dataset: string;
            sketch: string;
            /** @enum {string} */
            status: "queued" | "running" | "completed" | "failed";
            /** @enum {string} */
            similarity: "dice" | "jaccard";
            threshold: number;
            top: number;
            /** @enum {string} */
            solve: "none" | "greedy";
            queries: number;
            records: number;
            /** @description queries compared */
            progress: number;
            progressFraction: number;
            pairsCompared: number;
            pairsTotal: number;
            pairsPerSecond: number | null;
            etaSeconds: number | null;
            candidates: number;
            matches: number | null;
            error: string | null;
            /** @constant */
            epsilonCharged: 0;
            /** @description ε of the sketch and popcounts the run post-processes (charged once, at their build) */
            epsilonOfSketch: number;
            createdAt: string;
            startedAt: string | null;
            finishedAt: string | null;
        };
        LoadResult: {
            dataset: string;
            loaded: number;
            records: number;
        };
        PrivacyReport: {
            guarantee: string;
            neighbourRelation: string;
            unitBits: number;
            epsilonCharged: number;
            epsilonOfRelease: number;
            epsilonSpent: number;
            epsilonBudget: number;
            epsilonRemaining: number;
            profile: {
                changedBits: number;
                epsilon: number;
            }[];
            totalProfile: {
                changedBits: number;
                epsilon: number;
            }[];
            notes: string[];
        };
        /** @description RFC 7807 problem details. Extensions carry facts a client needs (e.g. `issues` for validation errors, ε requested and remaining for budget-exhausted, `retryAfter` for 503). */
        Problem: {
            /**
             * @description stable problem type, `/problems/<code>`; clients branch on this
             * @enum {string}
             */
            type: "/problems/validation-error" | "/problems/invalid-records" | "/problems/unauthorized" | "/problems/forbidden" | "/problems/not-found" | "/problems/conflict" | "/problems/budget-exhausted" | "/problems/payload-too-large" | "/problems/unsupported-media-type" | "/problems/rate-limited" | "/problems/overloaded" | "/problems/service-unavailable" | "/problems/insufficient-storage" | "/problems/internal-error";
            /** @description the title of the type (the same for every problem of one type) */
            title: string;
            /** @description the HTTP status code */
            status: number;
            /** @description what was wrong with this request (never echoes submitted bits) */
            detail: string;
            /** @description the request path */
            instance?: string;
        } & {
            [key: string]: unknown;
        };
        /**
         * @example {
         *       "metric": "hamming",
         *       "query": "1010101010101010",
         *       "top": 5
         *     }
         */
        QueryRequest: {
            /** @enum {string} */
            metric: "hamming" | "edit";
            /**
             * @default binary
             * @enum {string}
             */
            encoding?: "binary" | "hex" | "base64";
            /**
             * @default sketch
             * @enum {string}
             */
            mechanism?: "sketch" | "geometric";
            sketch?: string;
            epsilon?: number | string;
            /** @description edit-distance cap for the geometric mechanism (default 64) */
            k?: number;
            /** @default 100 */
            top?: number;
            maxDistance?: number;
            /** @default 0.95 */
            confidence?: number;
            /** @default false */
            simultaneous?: boolean;
            /**
             * @description Hamming sketches with released popcounts: answer Dice or Jaccard similarity, ranked by it (best first)
             * @enum {string}
             */
            similarity?: "dice" | "jaccard";
            /** @description with similarity: only records whose similarity estimate is at least this */
            minSimilarity?: number;
            query: string;
        };
        QueryResponse: {
            dataset: string;
            /** @enum {string} */
            metric: "hamming" | "edit";
            /** @enum {string} */
            mechanism: "sketch" | "geometric";
            sketch: {
                id: string;
                mechanism: string;
                epsilon: number;
                k: number;
                params: {
                    [key: string]: unknown;
                };
                popcountsEpsilon: number | null;
            } | null;
            /** @enum {string} */
            similarity?: "dice" | "jaccard";
            epsilonCharged: number;
            records: number;
            returned: number;
            confidence: number;
            simultaneous: boolean;
            results: {
                id: string;
                estimate: number;
                ciLow: number;
                ciHigh: number;
                /** @enum {string} */
                status: "ok" | "saturated" | "above_k" | "unreliable";
                /** @description The estimate without the clip to [0, n] and with the model bias removed: its mean over many records is their mean distance, so average this, not `estimate` (it may be negative). Per record it is noisier than `estimate`. null for saturated or above-k records and for estimators that are biased by design (pl07 "paper"). */
                unbiasedEstimate: number | null;
                /** @description with similarity: the Dice or Jaccard estimate, in [0, 1] */
                similarity?: number;
                similarityLow?: number;
                similarityHigh?: number;
            }[];
            privacy: components["schemas"]["PrivacyReport"];
        };
        /**
         * @example {
         *       "encoding": "binary",
         *       "records": [
         *         {
         *           "id": "alice",
         *           "bits": "1010101010101010"
         *         },
         *         {
         *           "id": "bob",
         *           "bits": "0101010101010101"
         *         }
         *       ]
         *     }
         */
        RecordsUpload: {
            /**
             * @default binary
             * @enum {string}
             */
            encoding?: "binary" | "hex" | "base64";
            records: {
                id?: string | number;
                bits: string;
            }[];
        };
        /**
         * @example {
         *       "epsilonBudget": 20
         *     }
         */
        SetBudget: {
            epsilonBudget: number | string;
        };
        Sketch: {
            id: string;
            dataset: string;
            metric: string;
            mechanism: string;
            /** @enum {string} */
            status: "queued" | "building" | "ready" | "failed";
            epsilon: number;
            k: number;
            records: number;
            progress: number;
            progressFraction: number;
            error: string | null;
            params: {
                [key: string]: unknown;
            };
            delta: number;
            flipProbability: number;
            predictedSd: {
                atZero: number;
                atHalfK: number;
                atK: number;
            } | null;
            bytesPerRecord: number;
            totalBytes: number;
            reliable: boolean;
            createdAt: string;
            readyAt: string | null;
            popcounts: {
                epsilon: number;
            } | null;
        };
        SketchEstimate: {
            /** @enum {string} */
            metric: "hamming" | "edit";
            /** @enum {string} */
            mechanism: "parity" | "pl07" | "lcp-tree" | "noisy-bits";
            epsilon: number;
            k: number;
            delta: number;
            flipProbability: number;
            realisedEpsilonPerCell: number;
            bytesPerRecord: number;
            totalBytes: number;
            records: number;
            predictedSd: {
                atZero: number;
                atHalfK: number;
                atK: number;
            };
            reliable: boolean;
            notes: string[];
            params: {
                [key: string]: unknown;
            };
            minEpsilonForTargetSd?: number | null;
        };
        /**
         * @example {
         *       "metric": "hamming",
         *       "epsilon": 1,
         *       "k": 16,
         *       "targetSd": 2
         *     }
         */
        SketchEstimateRequest: {
            /** @enum {string} */
            metric: "hamming" | "edit";
            /** @enum {string} */
            mechanism?: "parity" | "pl07" | "lcp-tree" | "noisy-bits";
            epsilon: number | string;
            k: number;
            options?: {
                [key: string]: unknown;
            };
            /** @description Hamming only: also release every record's popcount plus discrete Laplace noise (L1 sensitivity unitBits), charged in the same debit as the sketch; needed for similarity (Dice, Jaccard) queries and linkage runs. */
            popcounts?: {
                epsilon: number | string;
            };
            targetSd?: number;
        };
        /**
         * @example {
         *       "metric": "hamming",
         *       "epsilon": 1,
         *       "k": 16,
         *       "popcounts": {
         *         "epsilon": 0.5
         *       }
         *     }
         */
        SketchRequest: {
            /** @enum {string} */
            metric: "hamming" | "edit";
            /** @enum {string} */
            mechanism?: "parity" | "pl07" | "lcp-tree" | "noisy-bits";
            epsilon: number | string;
            k: number;
            options?: {
                [key: string]: unknown;
            };
            /** @description Hamming only: also release every record's popcount plus discrete Laplace noise (L1 sensitivity unitBits), charged in the same debit as the sketch; needed for similarity (Dice, Jaccard) queries and linkage runs. */
            popcounts?: {
                epsilon: number | string;
            };
        };
        Token: {
            id: string;
            /** @enum {string} */
            role: "admin" | "analyst";
            /** @description names of the datasets the token may use (null: all) */
            datasets: string[] | null;
            scopes: {
                dataset: string;
                /** @description the dataset has been deleted: the scope grants nothing (a new dataset of the same name is another dataset) */
                deleted: boolean;
                epsilonQuota: number | null;
                spent: number;
                remaining: number | null;
            }[] | null;
            label: string | null;
            createdAt: string;
            revokedAt: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format 0.0.4 */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listTokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tokens: components["schemas"]["Token"][];
                    };
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "role": "analyst",
                 *       "datasets": [
                 *         "people"
                 *       ],
                 *       "label": "analyst of people"
                 *     }
                 */
                "application/json": components["schemas"]["CreateToken"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        role: "admin" | "analyst";
                        /** @description names of the datasets the token may use (null: all) */
                        datasets: string[] | null;
                        scopes: {
                            dataset: string;
                            /** @description the dataset has been deleted: the scope grants nothing (a new dataset of the same name is another dataset) */
                            deleted: boolean;
                            epsilonQuota: number | null;
                            spent: number;
                            remaining: number | null;
                        }[] | null;
                        label: string | null;
                        createdAt: string;
                        revokedAt: string | null;
                        /** @description the secret; shown only in this response */
                        token: string;
                    };
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getSelfToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Token"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    revokeToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the token id (not its secret) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Token"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listDatasets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        datasets: components["schemas"]["DatasetSummary"][];
                    };
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createDataset: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "people",
                 *       "bits": 16,
                 *       "epsilonBudget": 10
                 *     }
                 */
                "application/json": components["schemas"]["CreateDataset"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetSummary"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getDataset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetDetail"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteDataset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body */
            204: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getBudget: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Budget"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    setBudget: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "epsilonBudget": 20
                 *     }
                 */
                "application/json": components["schemas"]["SetBudget"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Budget"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getLedgers: {
        parameters: {
            query: {
                dataset: string;
                /** @description true: only deleted datasets of that name */
                deleted?: "true" | "false";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IdentityLedgers"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    uploadRecords: {
        parameters: {
            query?: {
                /** @description bit encoding of text, CSV and NDJSON bodies (default binary) */
                encoding?: "binary" | "hex" | "base64";
            };
            header?: {
                /** @description octet-stream: bits per record (must equal the dataset's) */
                "Record-Bits"?: string;
                /** @description octet-stream: the number of records (checked against the body) */
                "Record-Count"?: string;
                /** @description octet-stream, anonlink's name: bytes per record, ceil(n/8) */
                "Hash-Size"?: string;
                /** @description octet-stream, anonlink's name: the number of records */
                "Hash-Count"?: string;
            };
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        /** @description Content-Type application/json: {encoding: binary|hex|base64, records: [{id?, bits}]}, or anonlink's {"clks": ["<base64>", ...]} (records numbered by position). application/x-ndjson: one {"id", "bits", "encoding"?} per line. text/plain: one string per line, optional "id<TAB>". text/csv: id,bits. application/octet-stream: concatenated packed records (ceil(n/8) bytes each, MSB-first), numbered by position, with Record-Bits (must equal the dataset length) and optionally Record-Count headers, or anonlink's Hash-Size (bytes per record, ceil(n/8)) and Hash-Count. Query parameter encoding (binary|hex|base64) applies to text, CSV and NDJSON. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["RecordsUpload"] | components["schemas"]["ClksUpload"];
                /**
                 * @example {"id":"carol","bits":"1100110011001100"}
                 *     {"id":"dave","bits":"0011001100110011"}
                 */
                "application/x-ndjson": string;
                /** @example erin	1111000011110000 */
                "text/plain": string;
                /** @example frank,0000111100001111 */
                "text/csv": string;
                "application/octet-stream": Blob | Uint8Array;
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LoadResult"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listSketches: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        sketches: components["schemas"]["Sketch"][];
                    };
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    buildSketch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "metric": "hamming",
                 *       "epsilon": 1,
                 *       "k": 16,
                 *       "popcounts": {
                 *         "epsilon": 0.5
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["SketchRequest"];
            };
        };
        responses: {
            /** @description Accepted: the work runs in the background; poll the URL in Location */
            202: {
                headers: {
                    /** @description path of the created resource; poll it with GET */
                    Location?: string;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Sketch"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    estimateSketch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "metric": "hamming",
                 *       "epsilon": 1,
                 *       "k": 16,
                 *       "targetSd": 2
                 *     }
                 */
                "application/json": components["schemas"]["SketchEstimateRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SketchEstimate"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getSketch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the dataset name */
                name: string;
                /** @description the sketch id (from POST …/sketches) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Sketch"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    query: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "metric": "hamming",
                 *       "query": "1010101010101010",
                 *       "top": 5
                 *     }
                 */
                "application/json": components["schemas"]["QueryRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueryResponse"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    queryBatch: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "metric": "hamming",
                 *       "queries": [
                 *         "1010101010101010",
                 *         "0000000000000000"
                 *       ],
                 *       "top": 5
                 *     }
                 */
                "application/json": components["schemas"]["BatchQueryRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchQueryResponse"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listLinkageRuns: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        runs: components["schemas"]["LinkageRun"][];
                    };
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    createLinkageRun: {
        parameters: {
            query: {
                sketch?: string;
                similarity?: "dice" | "jaccard";
                /**
                 * @description smallest similarity of a candidate pair
                 * @example 0.5
                 */
                threshold: number;
                /** @description candidates kept per query */
                top?: number;
                solve?: "none" | "greedy";
                /** @description bit encoding of text, CSV and NDJSON bodies */
                encoding?: "binary" | "hex" | "base64";
            };
            header?: {
                /** @description octet-stream: bits per record (must equal the dataset's) */
                "Record-Bits"?: string;
                /** @description octet-stream: the number of records (checked against the body) */
                "Record-Count"?: string;
                /** @description octet-stream, anonlink's name: bytes per record, ceil(n/8) */
                "Hash-Size"?: string;
                /** @description octet-stream, anonlink's name: the number of records */
                "Hash-Count"?: string;
            };
            path: {
                /**
                 * @description the dataset name
                 * @example people
                 */
                name: string;
            };
            cookie?: never;
        };
        /** @description Content-Type application/json: {encoding: binary|hex|base64, records: [{id?, bits}]}, or anonlink's {"clks": ["<base64>", ...]} (records numbered by position). application/x-ndjson: one {"id", "bits", "encoding"?} per line. text/plain: one string per line, optional "id<TAB>". text/csv: id,bits. application/octet-stream: concatenated packed records (ceil(n/8) bytes each, MSB-first), numbered by position, with Record-Bits (must equal the dataset length) and optionally Record-Count headers, or anonlink's Hash-Size (bytes per record, ceil(n/8)) and Hash-Count. Query parameter encoding (binary|hex|base64) applies to text, CSV and NDJSON. */
        requestBody: {
            content: {
                "application/json": components["schemas"]["RecordsUpload"] | components["schemas"]["ClksUpload"];
                /**
                 * @example {"id":"carol","bits":"1100110011001100"}
                 *     {"id":"dave","bits":"0011001100110011"}
                 */
                "application/x-ndjson": string;
                /** @example erin	1111000011110000 */
                "text/plain": string;
                /** @example frank,0000111100001111 */
                "text/csv": string;
                "application/octet-stream": Blob | Uint8Array;
            };
        };
        responses: {
            /** @description Accepted: the work runs in the background; poll the URL in Location */
            202: {
                headers: {
                    /** @description path of the created resource; poll it with GET */
                    Location?: string;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LinkageRun"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getLinkageRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the dataset name */
                name: string;
                /** @description the run id (from POST …/linkage-runs) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LinkageRun"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteLinkageRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the dataset name */
                name: string;
                /** @description the run id (from POST …/linkage-runs) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body */
            204: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getLinkageResult: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the dataset name */
                name: string;
                /** @description the run id (from POST …/linkage-runs) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The candidate pairs (CSV: a header line, then one pair per line) */
            200: {
                headers: {
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LinkageResult"];
                    "text/csv": string;
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rerunLinkageRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the dataset name */
                name: string;
                /** @description the run id (from POST …/linkage-runs) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Accepted: the work runs in the background; poll the URL in Location */
            202: {
                headers: {
                    /** @description path of the created resource; poll it with GET */
                    Location?: string;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LinkageRun"];
                };
            };
            /** @description The request is not valid (validation-error) or holds a bad record (invalid-records) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No valid bearer token (unauthorized) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description This token may not do this (forbidden) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such dataset, sketch, run, token or route (not-found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict with the current state (conflict), or the privacy budget would be exceeded (budget-exhausted) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body exceeds the limit (payload-too-large) */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported-media-type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this token or address (rate-limited) */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    /** @description requests allowed per minute for this token */
                    "X-RateLimit-Limit"?: number;
                    /** @description requests left in the current minute */
                    "X-RateLimit-Remaining"?: number;
                    /** @description seconds until the limit resets */
                    "X-RateLimit-Reset"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Internal error (internal-error); details are logged with the request id, never sent */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Overloaded or shutting down (overloaded, service-unavailable): retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The disk is full (insufficient-storage): nothing of the request was kept */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
