-- The built-in example: a SQLite database shaped like a small Django site
-- (django.contrib.auth + a "library" app whose Book model has a custom
-- db_table and a many-to-many field), used by `make demo`.
CREATE TABLE django_migrations (id integer PRIMARY KEY AUTOINCREMENT, app varchar(255), name varchar(255), applied datetime);
CREATE TABLE django_content_type (id integer PRIMARY KEY AUTOINCREMENT, app_label varchar(100), model varchar(100));
CREATE TABLE auth_permission (id integer PRIMARY KEY AUTOINCREMENT, name varchar(255), content_type_id integer, codename varchar(100));
CREATE TABLE auth_group (id integer PRIMARY KEY AUTOINCREMENT, name varchar(150));
CREATE TABLE auth_group_permissions (id integer PRIMARY KEY AUTOINCREMENT, group_id integer, permission_id integer);
CREATE TABLE auth_user (id integer PRIMARY KEY AUTOINCREMENT, username varchar(150));
CREATE TABLE auth_user_groups (id integer PRIMARY KEY AUTOINCREMENT, user_id integer, group_id integer);
CREATE TABLE auth_user_user_permissions (id integer PRIMARY KEY AUTOINCREMENT, user_id integer, permission_id integer);
CREATE TABLE library_author (id integer PRIMARY KEY AUTOINCREMENT, name varchar(100));
CREATE TABLE catalogue_books (id integer PRIMARY KEY AUTOINCREMENT, title varchar(200));
CREATE TABLE catalogue_books_authors (id integer PRIMARY KEY AUTOINCREMENT, book_id integer, author_id integer);
INSERT INTO django_content_type (app_label, model) VALUES
  ('contenttypes', 'contenttype'), ('auth', 'permission'), ('auth', 'group'), ('auth', 'user'),
  ('library', 'author'), ('library', 'book');
INSERT INTO library_author (name) VALUES ('Ursula K. Le Guin'), ('Italo Calvino');
INSERT INTO catalogue_books (title) VALUES ('The Dispossessed'), ('Invisible Cities');
INSERT INTO catalogue_books_authors (book_id, author_id) VALUES (1, 1), (2, 2);
