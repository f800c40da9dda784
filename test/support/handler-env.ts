/**
 * Environment of the handler tests, set before a handler module is imported (handlers read their
 * configuration when loaded, as at a Lambda cold start). Import it first, then `await import` the handler.
 */
process.env.CONTRACTS_TABLE = 'contracts-test';
process.env.MESH_TABLE = 'mesh-test';
process.env.AWS_REGION = 'us-east-1';
process.env.MAX_BODY_BYTES = '65536';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_TRACE_ENABLED = 'false';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.ERRORS_TABLE = 'errors-test';
process.env.EVENT_BUS_NAME = 'aif-test-bus';
process.env.EVENTS_TABLE = 'events-test';
process.env.DELIVERY_TABLE = 'delivery-test';
process.env.EVENT_BUS_ARN = 'arn:aws:events:us-east-1:123456789012:event-bus/aif-test-bus';
process.env.DELIVERY_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/aif-test-delivery';
process.env.DELIVERY_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:aif-test-delivery';
process.env.EVENTS_DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:aif-test-events-dlq';
process.env.EVENT_ARCHIVE_ARN = 'arn:aws:events:us-east-1:123456789012:archive/aif-test-archive';
process.env.SUBSCRIPTION_RULE_PREFIX = 'aif-test-sub-';
