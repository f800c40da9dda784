import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { metricsLogger } from '../../../../shared/observability/powertools';

describe('metricsLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  const setUp = () => {
    const logger = new Logger({ serviceName: 'test', logLevel: 'WARN' });
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => {});
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'test', logger: metricsLogger(logger) });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    return { warn, metrics };
  };

  it('drops the warning of a flush with no metric recorded', () => {
    // Prepare
    const { warn, metrics } = setUp();

    // Act
    metrics.publishStoredMetrics();

    // Assess
    expect(warn).not.toHaveBeenCalled();
  });

  it("passes every other Metrics warning to the function's logger", () => {
    // Prepare
    const { warn, metrics } = setUp();

    // Act
    metrics.addDimension('', 'x');

    // Assess
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain("doesn't meet the requirements");
  });
});
