import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalStack } from '../../sandbox/local-stack';
import { paths } from '../../sandbox/project-paths';
import { runChaos } from '../support/chaos/chaos-run';
import { FULL_CHAOS } from '../support/chaos/chaos-settings';
import { FIGURES_FILE, RELIABILITY_DOC, writeFigures, writeReliabilityDoc } from './reliability-doc';
import { workflowBundleOptions } from '../../worker/workflow-bundle-options';

/**
 * `npm run chaos`: the full version on a local stack of its own. Writes the figures and
 * docs/reliability.md, and fails when an invariant broke, a kill count fell short, or an
 * activity type the run executed was never interrupted.
 */
async function main(): Promise<number> {
  const bundlePath = path.join(paths.root, 'dist', 'test', 'chaos-workflow-bundle.js');
  const bundle = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(bundlePath, bundle.code);
  const stack = await startLocalStack({ lifetime: 'owned', log: (line) => console.log(`[stack] ${line}`) });
  try {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const figures = await runChaos(
      {
        temporalAddress: stack.temporal.address,
        namespace: stack.temporal.namespace,
        uiUrl: stack.temporal.uiUrl,
        awsEndpoint: stack.awsEndpoint,
        workflowBundlePath: bundlePath,
      },
      { ...FULL_CHAOS, log: (line) => console.log(`[chaos] ${line}`) },
    );
    const notInterrupted = figures.activityTypesRun.filter(
      (t) => !figures.interruptedActivityTypes.includes(t),
    );
    if (figures.killsSurvived < FULL_CHAOS.minKills) {
      figures.violations.push(
        `only ${figures.killsSurvived} kills (at least ${FULL_CHAOS.minKills} required)`,
      );
    }
    mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
    await writeFigures(figures);
    await writeReliabilityDoc(figures);
    console.log(JSON.stringify(figures, null, 2));
    console.log(`wrote ${FIGURES_FILE} and ${RELIABILITY_DOC}`);
    if (notInterrupted.length > 0) console.error(`never interrupted: ${notInterrupted.join(', ')}`);
    return figures.violations.length === 0 && notInterrupted.length === 0 ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
