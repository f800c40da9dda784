import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../../local/demo';
import { fixedUrls, ROOT } from '../support/readme';

// The README's CLI taste: one command per line, the ones annotated "exits 4" expected to.
function tasteCommands(): Array<{ command: string; exitCode: number }> {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const block = /<!-- cli-taste: begin -->\n```sh\n([\s\S]*?)```\n<!-- cli-taste: end -->/.exec(readme);
  if (!block) throw new Error('README has no CLI taste block');
  return (block[1] as string)
    .trim()
    .split('\n')
    .map((line) => ({ command: line, exitCode: /exits (\d)/.exec(line) ? Number(/exits (\d)/.exec(line)?.[1]) : 0 }));
}

describe('README: a taste of the CLI', () => {
  let demo: Demo;
  const commands = tasteCommands();

  beforeAll(async () => {
    demo = await startDemo({ api: 0, receiver: 0, echoes: [0, 0] });
  });
  afterAll(async () => {
    await demo?.close();
  });

  it('has ten commands', () => {
    expect(commands).toHaveLength(10);
  });

  it('runs every command against npm run demo, each exiting as annotated', async () => {
    const [echoA, echoB] = demo.echoes;
    const urls = { api: demo.server.url, receiver: demo.receiver.url, echoA: echoA!.url, echoB: echoB!.url };
    const outputs: string[] = [];
    for (const { command, exitCode } of commands) {
      const line = command
        .replaceAll('http://localhost:4000', urls.receiver)
        .replaceAll('http://localhost:5001', urls.echoA)
        .replaceAll('http://localhost:5002', urls.echoB);
      const result = await promisify(execFile)('bash', ['-c', line], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, AIF_ENDPOINT: urls.api, NO_COLOR: '1' },
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
      expect(result.code, `${command}\n${result.stdout}`).toBe(exitCode);
      outputs.push(fixedUrls(result.stdout, urls));
    }
    // What the commands did is visible in what the later ones print.
    expect(outputs[0]).toContain('http://localhost:3000: ok');
    expect(outputs[1]).toContain('201 registered petstore@1.0.0');
    expect(outputs[3]).toContain("must have required property 'name'");
    expect(outputs[6]).toContain('{"orderId":"o-1","total":150}');
    expect(outputs[8]).toMatch(/orders \(1\.0\.0\)[\s\S]*orders-a .*weight 100 .*http:\/\/localhost:5001/);
  });
});
