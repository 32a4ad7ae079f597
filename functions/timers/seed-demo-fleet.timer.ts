import { app, type InvocationContext } from '@azure/functions';
import { composition, config } from '../../shared/composition';
import { seedDemoFleetIfEmpty } from '../../shared/devices/simulated/demo-fleet-seeder';

/** At start (and yearly, as timers need a schedule): a fresh embedded registry gets the demo fleet. */
async function seedDemoFleet(_timer: unknown, context: InvocationContext): Promise<void> {
  if (config.devices.gateway !== 'simulated' || config.devices.demoFleetSize === 0) return;
  const created = await seedDemoFleetIfEmpty(composition.registry(), config.devices.demoFleetSize);
  if (created > 0) context.log(`Demo fleet: created ${created} simulated devices in the empty registry.`);
}

app.timer('seedDemoFleet', {
  schedule: '0 0 0 1 1 *',
  runOnStartup: true,
  handler: seedDemoFleet,
});
