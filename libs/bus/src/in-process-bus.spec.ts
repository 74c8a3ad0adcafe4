import { InProcessBus } from './in-process-bus';
import { describeBusConformance } from './testing/bus-conformance';

describeBusConformance(
  'in-process bus',
  async () => {
    const bus = new InProcessBus();
    return { bus, start: async () => undefined, close: async () => undefined };
  },
  {
    failedHandlerRejectsPublish: true,
    notDurable:
      'the embedded bus calls the subscribers inside publish and keeps nothing; across restarts the embedded store is the durable log',
  },
);
