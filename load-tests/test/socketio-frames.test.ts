import { describe, expect, it } from 'vitest';
import { useTestApi } from '../../api/test/helper.js';
import { courierPingsThresholdsPassed, runCourierPingsTwin } from '../src/courier-pings-twin.js';
import { connectFrame, eventFrame, parseFrame, socketIoUrl } from '../src/socketio-frames.js';

const api = useTestApi();

describe('Socket.IO frames', () => {
  it('writes connect and event frames', () => {
    expect(socketIoUrl('https://api.example/')).toBe(
      'wss://api.example/socket.io/?EIO=4&transport=websocket',
    );
    expect(connectFrame('/courier', { token: 't' })).toBe('40/courier,{"token":"t"}');
    expect(eventFrame('/courier', 7, 'location', { lat: 1, lng: 2 })).toBe(
      '42/courier,7["location",{"lat":1,"lng":2}]',
    );
  });

  it('reads what the server sends', () => {
    expect(parseFrame('0{"sid":"a","pingInterval":25000}')).toEqual({ kind: 'open' });
    expect(parseFrame('2')).toEqual({ kind: 'ping' });
    expect(parseFrame('40/courier,{"sid":"x"}')).toEqual({ kind: 'connected', namespace: '/courier' });
    expect(parseFrame('44/courier,{"message":"unauthorized"}')).toEqual({
      kind: 'connect_error',
      namespace: '/courier',
      message: 'unauthorized',
    });
    expect(parseFrame('43/courier,12[{"ok":true}]')).toEqual({
      kind: 'ack',
      namespace: '/courier',
      ackId: 12,
      args: [{ ok: true }],
    });
    expect(parseFrame('42/courier,["offer",{"offer_id":"o"}]')).toEqual({
      kind: 'event',
      namespace: '/courier',
      event: 'offer',
      data: { offer_id: 'o' },
    });
    expect(parseFrame('6')).toEqual({ kind: 'other', raw: '6' });
  });
});

describe('the courier pings twin against the real gateway', () => {
  it('gets every location acked within the thresholds', async () => {
    const couriers = await Promise.all([api.newCourier(), api.newCourier(), api.newCourier()]);
    const result = await runCourierPingsTwin({
      baseUrl: api.baseUrl,
      tokens: couriers.map((c) => c.token),
      intervalSeconds: 0.5,
      seconds: 2,
    });
    expect(result.sent).toBeGreaterThanOrEqual(12);
    expect(result.failed).toBe(0);
    expect(courierPingsThresholdsPassed(result)).toBe(true);
  });

  it('counts a refused connection as failed', async () => {
    const result = await runCourierPingsTwin({
      baseUrl: api.baseUrl,
      tokens: ['not-a-jwt'],
      intervalSeconds: 0.5,
      seconds: 1,
    });
    expect(result.failed).toBe(1);
    expect(courierPingsThresholdsPassed(result)).toBe(false);
  });
});
