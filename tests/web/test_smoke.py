def test_home_lists_agencies(client, factories):
    factories.agency(name="Dinas Kesehatan Uji")
    from ppid.extensions import db
    db.session.commit()
    resp = client.get("/")
    assert resp.status_code == 200
    assert "Dinas Kesehatan Uji" in resp.get_data(as_text=True)
