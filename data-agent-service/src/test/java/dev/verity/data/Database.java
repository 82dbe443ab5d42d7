package dev.verity.data;

import dev.verity.local.PostgresEndpoint;
import dev.verity.local.TestInfra;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Direct JDBC access to the module's test database, to check what the service really stored. */
final class Database {

    static final String NAME = "verity_data_test";

    private Database() {
    }

    static PostgresEndpoint endpoint() {
        return TestInfra.get().postgres(NAME);
    }

    static Connection connect() throws SQLException {
        PostgresEndpoint pg = endpoint();
        return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    }

    static long count(String orgId) {
        return longValue("SELECT count(*) FROM telemetry.llm_calls WHERE org_id = ?", orgId);
    }

    static long longValue(String sql, Object... params) {
        try (Connection conn = connect(); PreparedStatement st = conn.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every stored row of the org, column name to value, ordered by id. */
    static List<Map<String, Object>> rows(String orgId) {
        try (Connection conn = connect();
                PreparedStatement st = conn.prepareStatement(
                        "SELECT * FROM telemetry.llm_calls WHERE org_id = ? ORDER BY id")) {
            st.setString(1, orgId);
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                        row.put(rs.getMetaData().getColumnName(c), rs.getObject(c));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean tableExists() {
        return longValue("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'telemetry' "
                + "AND table_name = 'llm_calls'") == 1;
    }
}
