package dev.verity.gateway.events;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A WebSocket client that upgrades and then reads nothing, with a tiny receive window, the way a
 * stuck browser tab or a client on a dead network behaves: the server's writes back up at once.
 * {@link #drain()} reads what arrived afterwards, up to the close frame.
 */
final class StalledSocket implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    int textFrames;
    Integer closeCode;
    String closeReason;

    StalledSocket(URI endpoint, String token) throws IOException {
        socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 5000);
        socket.setSoTimeout(20_000);
        byte[] nonce = new byte[16];
        new SecureRandom().nextBytes(nonce);
        String request = "GET " + endpoint.getPath() + " HTTP/1.1\r\n"
                + "Host: " + endpoint.getHost() + ":" + endpoint.getPort() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "Authorization: Bearer " + token + "\r\n\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during the upgrade");
            }
            head.write(b);
        }
        if (!head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + head.toString(StandardCharsets.US_ASCII).lines().findFirst().orElse(""));
        }
    }

    /** Reads every frame until the server's close frame or the end of the connection. */
    void drain() {
        DataInputStream frames = new DataInputStream(in);
        try {
            while (true) {
                int first = frames.readUnsignedByte();
                int second = frames.readUnsignedByte();
                long length = second & 0x7f;
                if (length == 126) {
                    length = frames.readUnsignedShort();
                } else if (length == 127) {
                    length = frames.readLong();
                }
                byte[] payload = new byte[(int) length];
                frames.readFully(payload);
                int opcode = first & 0x0f;
                if (opcode == 0x1 && (first & 0x80) != 0) {
                    textFrames++;
                } else if (opcode == 0x8) {
                    if (payload.length >= 2) {
                        closeCode = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
                        closeReason = new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
                    }
                    return;
                }
            }
        } catch (IOException e) {
            // The server may drop the connection after its close frame timed out: that is a close too.
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
