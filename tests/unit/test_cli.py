"""The pitf command: users and tokens."""

from sqlalchemy import select

from pitf.models import ApiToken, User


def test_users_create_list_deactivate(app, db):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["users", "create", "Ana@DOJ.example.gov", "--role", "liaison", "--agency", "doj",
                            "--name", "Ana Ruiz", "--password-stdin"], input="a long enough password\n")
    assert r.exit_code == 0, r.output
    user = db.execute(select(User).where(User.email == "ana@doj.example.gov")).scalar_one()
    assert user.role == "liaison" and user.name == "Ana Ruiz"
    listing = runner.invoke(args=["users", "list"]).output
    assert "ana@doj.example.gov" in listing and "DOJ" in listing
    assert runner.invoke(args=["users", "deactivate", "ana@doj.example.gov"]).exit_code == 0
    db.expire_all()
    assert db.get(User, user.id).is_active is False


def test_users_create_refuses_bad_input_clearly(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["users", "create", "x@y.example.gov", "--role", "liaison", "--password-stdin"],
                      input="a long enough password\n")
    assert r.exit_code != 0 and "must belong to an agency" in r.output
    r = runner.invoke(args=["users", "create", "x@y.example.gov", "--role", "viewer", "--password-stdin"],
                      input="short\n")
    assert r.exit_code != 0 and "at least 12" in r.output


def test_tokens_create_prints_the_token_last_and_revoke(app, db, make_user, client):
    user = make_user("liaison", agency="DHS")
    runner = app.test_cli_runner()
    r = runner.invoke(args=["tokens", "create", user.email])
    assert r.exit_code == 0
    token = r.stdout.strip().splitlines()[-1]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json["agency"] == "DHS"
    row = db.execute(select(ApiToken).where(ApiToken.user_id == user.id)).scalar_one()
    assert token not in (row.token_hash, row.prefix)
    assert runner.invoke(args=["tokens", "revoke", token[:12]]).exit_code == 0
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert runner.invoke(args=["tokens", "create", "nobody@x.example.gov"]).exit_code != 0


def test_reference_loads_agencies_and_bodies_without_accounts_and_again_changes_nothing(app, db):
    from sqlalchemy import func

    from pitf.models import Agency, Committee, Membership
    from pitf.reference import DEPARTMENTS, OTHER_AGENCIES, SPOG_COMMITTEES

    def counts():
        tables = (Agency, Committee, Membership, User)
        return [db.execute(select(func.count()).select_from(t)).scalar_one() for t in tables]

    before = counts()  # the test database already holds the reference data
    r = app.test_cli_runner().invoke(args=["reference"])
    assert r.exit_code == 0, r.output
    assert "Reference data loaded" in r.output
    assert counts() == before
    assert before[0] == len(DEPARTMENTS + OTHER_AGENCIES) and before[1] >= 3 + len(SPOG_COMMITTEES)
    assert before[3] == 0  # production's reference data creates no accounts
