package dev.verity.contract.receipt;

/** A receipt that does not prove the answer: the message says which check failed (never secret). */
public final class InvalidReceipt extends Exception {
    public InvalidReceipt(String reason) {
        super(reason, null, false, false);
    }
}
