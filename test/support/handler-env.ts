/**
 * Environment of the handler tests, set before a handler module is imported (handlers read their
 * configuration when loaded, as at a Lambda cold start). Import it first, then `await import` the handler.
 */
process.env.CONTRACTS_TABLE = 'contracts-test';
process.env.AWS_REGION = 'us-east-1';
process.env.MAX_BODY_BYTES = '65536';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_TRACE_ENABLED = 'false';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.ERRORS_TABLE = 'errors-test';
process.env.EVENT_BUS_NAME = 'aif-test-bus';
