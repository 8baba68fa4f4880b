/** The two queries of the article's application, with node-oracledb and bind variables. */
import type OracleDB from 'oracledb';
import type { OrderFields, OrderItem, OrderQueries } from './app.js';

export function oracleQueries(pool: OracleDB.Pool, oracledb: typeof OracleDB): OrderQueries {
  const query = async <T>(sql: string, binds: Record<string, number>): Promise<T[]> => {
    const connection = await pool.getConnection();
    try {
      const result = await connection.execute<T>(sql, binds, { outFormat: oracledb.OUT_FORMAT_OBJECT });
      return (result.rows ?? []).map(
        (row) => Object.fromEntries(Object.entries(row as object).map(([k, v]) => [k.toLowerCase(), v])) as T,
      );
    } finally {
      await connection.close();
    }
  };
  return {
    async getOrderFields(orderNo) {
      const rows = await query<OrderFields>(
        `SELECT order_id, TO_CHAR(order_date, 'YYYY-MM-DD"T"HH24:MI:SS') AS order_date, order_mode, customer_id,
                order_status, order_total, sales_rep_id
           FROM orders
          WHERE order_id = :order_no`,
        { order_no: orderNo },
      );
      return rows[0] ?? null;
    },
    getOrderItems(orderNo) {
      return query<OrderItem>(
        `SELECT line_item_id, product_id, unit_price, quantity
           FROM order_items
          WHERE order_id = :order_no
          ORDER BY line_item_id`,
        { order_no: orderNo },
      );
    },
  };
}
