import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IntegrationError } from '../../../../shared/domain/resilience/integration-error';
import { PowertoolsErrorMetrics } from '../../../../shared/observability/error-metrics';
import { createObservability } from '../../../../shared/observability/powertools';

describe('PowertoolsErrorMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('never makes a caller-supplied source a dimension: it is EMF metadata', () => {
    // Prepare: capture the EMF records Powertools prints
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'errors' });
    const errorMetrics = new PowertoolsErrorMetrics(metrics, createObservability('errors').logger);
    const error = new IntegrationError('upstream failed', {
      code: 'HTTP_503',
      category: 'transient',
      source: 'agent:any-string-a-caller-chose',
      timestamp: 0,
    });

    // Act
    errorMetrics.errorRecorded(error);

    // Assess
    const records = printed.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    const dimensionSets = records.flatMap((r) => r._aws.CloudWatchMetrics[0].Dimensions as string[][]);
    expect(records).toHaveLength(2);
    expect(dimensionSets.flat()).not.toContain('source');
    expect(records.map((r) => r.source)).toEqual([error.source, error.source]);
    expect(records.map((r) => r.category)).toContain('transient');
  });
});
