"""Every Slack surface of the guide: its messages (flag, digest, replies), the notifier that
posts them, and the settings and client they go through. The engine hands plain objects; this
package turns them into Block Kit."""
