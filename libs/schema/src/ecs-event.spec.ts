import { getField } from './ecs-event';

describe('getField', () => {
  const event = {
    container: { name: 'api-1', image: { name: 'acme/api' } },
    message: 'ready',
  };

  it('reads nested paths, and nothing past a value that is not an object', () => {
    expect(getField(event, 'container.image.name')).toBe('acme/api');
    expect(getField(event, 'message')).toBe('ready');
    expect(getField(event, 'message.length')).toBeUndefined();
    expect(getField(event, 'host.name')).toBeUndefined();
    expect(getField(null, 'container.name')).toBeUndefined();
  });

  it('reads right however many different paths rules ask for', () => {
    const wide: Record<string, { value: number }> = {};
    for (let i = 0; i < 2_500; i++) wide[`f${i}`] = { value: i };
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < 2_500; i++) expect(getField(wide, `f${i}.value`)).toBe(i);
    }
  });
});
