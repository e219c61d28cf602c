import { z } from 'zod';
const s = z.object({ a: z.string().trim().max(64).nullish().transform((v) => v || undefined).optional() });
type O = z.output<typeof s>;
const o: O = {};
console.log(o, s.parse({a: ''}), s.parse({}), s.parse({a: ' x '}));
