import type { OrderRow, Queryable } from '@o2o/dispatcher';
import { DomainError, type ListOrdersQuery, type OrderEvent } from '@o2o/domain';

/** A store's order, or 404: another store's order reads exactly like a missing one. */
export async function findStoreOrder(db: Queryable, storeId: string, orderId: string): Promise<OrderRow> {
  const found = await db.query<OrderRow>('SELECT * FROM orders WHERE id = $1 AND store_id = $2', [
    orderId,
    storeId,
  ]);
  const row = found.rows[0];
  if (!row) throw new DomainError('not_found', { detail: 'No such order' });
  return row;
}

interface Cursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(row: Pick<OrderRow, 'created_at' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      if (!Number.isNaN(Date.parse(parsed[0])) && /^[0-9a-f-]{36}$/.test(parsed[1])) {
        return { createdAt: parsed[0], id: parsed[1] };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw new DomainError('validation_failed', {
    detail: 'The cursor is not valid',
    errors: [{ field: '/querystring/cursor', message: 'is not a cursor this API returned' }],
  });
}

/** Newest first, keyset-paginated on (created_at, id) so pages stay stable while orders arrive. */
export async function listStoreOrders(
  db: Queryable,
  storeId: string,
  query: ListOrdersQuery,
): Promise<{ rows: OrderRow[]; nextCursor: string | null }> {
  const limit = query.limit ?? 20;
  const where = ['store_id = $1'];
  const params: unknown[] = [storeId];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (query.status) add('status = ?', query.status);
  if (query.external_id) add('external_id = ?', query.external_id);
  if (query.created_after) add('created_at > ?', query.created_after);
  if (query.created_before) add('created_at < ?', query.created_before);
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    params.push(cursor.createdAt, cursor.id);
    where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(limit + 1);
  const result = await db.query<OrderRow>(
    `SELECT * FROM orders WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  const rows = result.rows.slice(0, limit);
  const last = rows.at(-1);
  return { rows, nextCursor: result.rows.length > limit && last ? encodeCursor(last) : null };
}

export async function listOrderEvents(db: Queryable, orderId: string): Promise<OrderEvent[]> {
  const result = await db.query<{
    id: string;
    order_id: string;
    seq: number;
    type: string;
    from_status: OrderEvent['from_status'];
    to_status: OrderEvent['to_status'];
    actor: string;
    data: Record<string, unknown>;
    created_at: Date;
  }>('SELECT * FROM order_events WHERE order_id = $1 ORDER BY seq', [orderId]);
  return result.rows.map((r) => ({ ...r, id: String(r.id), created_at: r.created_at.toISOString() }));
}
