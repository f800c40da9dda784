import { describe, expect, it } from 'vitest';
import { HEALTH_CHECK_TIMEOUT_MS, healthCheckSettings } from '../../../local/health-check-settings';

describe('healthCheckSettings', () => {
  it('spreads the local runs as the deployed ones: min(interval, 60 s timeout) − 15 s', () => {
    // Act
    const settings = [60_000, 300_000, 20_000, 5_000, 0].map((ms) =>
      healthCheckSettings({ healthCheckIntervalMs: ms }, {}),
    );

    // Assess
    expect(HEALTH_CHECK_TIMEOUT_MS).toBe(60_000);
    expect(settings.map((s) => s.HEALTH_CHECK_SPREAD_MS)).toEqual(['45000', '45000', '5000', '0', '0']);
  });

  it('spreads over 45 s at the default interval (60 s)', () => {
    // Act
    const settings = healthCheckSettings({}, {});

    // Assess
    expect(settings).toEqual({ HEALTH_CHECK_SPREAD_MS: '45000' });
  });

  it('leaves a HEALTH_CHECK_SPREAD_MS of the environment in place', () => {
    // Act
    const settings = healthCheckSettings({ healthCheckIntervalMs: 60_000 }, { HEALTH_CHECK_SPREAD_MS: '1000' });

    // Assess
    expect(settings).toEqual({});
  });
});
