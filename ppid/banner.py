"""Printed by ``make run`` before the server starts: where to go and how to log in."""
import sys

from ppid.demo import demo_logins


def main(host, port):
    print("\n" + "=" * 72)
    print(f" Registri PPID berjalan di: http://{host}:{port}/")
    print(" Akun demo (kata sandi sama untuk semua):")
    for email, name, password in demo_logins():
        print(f"   {email:<30} {password}   {name}")
    print(" Hentikan dengan Ctrl+C.")
    print("=" * 72 + "\n", flush=True)


if __name__ == "__main__":
    main(*(sys.argv[1:3] if len(sys.argv) > 2 else ("127.0.0.1", "5000")))
