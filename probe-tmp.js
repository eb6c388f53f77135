const { Connection } = require('@temporalio/client');
const { InternalConnectionOptionsSymbol } = require('@temporalio/client/lib/connection');
(async () => {
  const c = await Connection.connect({ address: '127.0.0.1:' + process.argv[2], [InternalConnectionOptionsSymbol]: { supportsTestService: true } });
  const t = await c.testService.getCurrentTime({});
  console.log('sim time', new Date(Number(t.time.seconds) * 1000).toISOString(), 'wall', new Date().toISOString());
  const r = await c.workflowService.listOpenWorkflowExecutions({ namespace: 'default', maximumPageSize: 5000 });
  const byType = {};
  for (const e of r.executions) byType[e.type.name] = (byType[e.type.name] ?? 0) + 1;
  console.log('open', r.executions.length, byType);
  await c.close();
})().catch((e) => { console.error('ERR', e.message); process.exit(1); });
